"""Group health reports: the metrics, the findings, and their HTML and JSON forms."""
