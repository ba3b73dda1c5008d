"""What the service sends out of itself: mail (`mail`)."""
