/// Placeholder until the trainer lands (in progress).
public enum TrainerModule {}
