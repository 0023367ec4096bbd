"""Values the test fixtures and plugins share."""

PASSWORD = "correct-horse-battery-9"
