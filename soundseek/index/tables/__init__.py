"""The index's tables: LanceDB files, windows and annotation tables, their Arrow schemas,
records, filters compiled to SQL, store.json and declared migrations."""
