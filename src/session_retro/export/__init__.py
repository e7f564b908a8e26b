"""Output stage for data: tables (CSV, JSON, Parquet), analysis records, backlog."""
