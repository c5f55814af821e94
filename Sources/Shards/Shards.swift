public enum ShardsModule {}
