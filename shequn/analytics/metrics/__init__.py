"""Group-health metrics: pure functions of Frames returning a Result with its evidence."""
