"""After-sales capability: shoppers ask for a refund of all or some lines; merchants approve or reject."""
