"""Reports to the legislature, generated from the records."""
