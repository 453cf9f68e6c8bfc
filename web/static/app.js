// Shared page behaviour (kept small; page-specific scripts are separate files).
