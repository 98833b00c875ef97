"""Input channels of the FAQ bot."""
