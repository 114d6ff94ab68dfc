-- hub.epg_programme for bulk imports (hundreds of thousands of rows per second by binary COPY; measured with
-- `cablehub bench epg`, see host/Cli/Bench/EpgBenchmark.cs):
--   * one composite primary key that is also the guide's index (channel, start) instead of uuid key + second index;
--   * no per-row foreign-key trigger: the importer checks and KEY SHARE-locks the channels it writes, set-based,
--     in the import transaction; a statement trigger on hub.channel keeps the old ON DELETE CASCADE behaviour;
--   * details as json (validated, kept as text) rather than jsonb (re-encoded on every insert).

ALTER TABLE hub.epg_programme DROP CONSTRAINT epg_programme_pkey;
DROP INDEX hub.epg_programme_channel_start_idx;
ALTER TABLE hub.epg_programme ADD CONSTRAINT epg_programme_pkey PRIMARY KEY (channel_id, start_at, id);
ALTER TABLE hub.epg_programme DROP CONSTRAINT epg_programme_channel_id_fkey;
ALTER TABLE hub.epg_programme ALTER COLUMN details TYPE json USING details::json;

CREATE FUNCTION hub.epg_programme_delete_for_channels() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM hub.epg_programme p USING old_channels o WHERE p.channel_id = o.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER channel_deleted_epg_programmes AFTER DELETE ON hub.channel
    REFERENCING OLD TABLE AS old_channels FOR EACH STATEMENT EXECUTE FUNCTION hub.epg_programme_delete_for_channels();
