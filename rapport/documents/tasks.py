"""Background jobs of the documents app: importing a large CSV file of document events."""
