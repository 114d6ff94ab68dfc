-- The warehouse's databases (names in docs/ARCHITECTURE.md).
CREATE DATABASE IF NOT EXISTS raw COMMENT 'CDC tables as they arrive: raw.<schema>_<table>, ReplacingMergeTree(_version, _is_deleted)';

CREATE DATABASE IF NOT EXISTS hub COMMENT 'Current state of the operational tables: FINAL views over raw';

CREATE DATABASE IF NOT EXISTS marts COMMENT 'Analyst-facing dimensions and facts';
