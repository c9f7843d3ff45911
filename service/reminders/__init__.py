"""Re-review cadence: due dates, deadlines and the reminders that lead up to them."""
