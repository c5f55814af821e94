public enum GPTModule {}
