-- Metabase's own application database (questions, dashboards, users), beside the hub's on the same server.
-- Runs once, when the PostgreSQL volume is initialised (docker-entrypoint-initdb.d).
CREATE DATABASE metabase;
