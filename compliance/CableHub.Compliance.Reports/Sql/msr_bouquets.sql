-- Every bouquet (names; a broadcaster's own bouquets get a row with zeros when nobody held them).
SELECT toString(bouquet_id) AS bouquet_id, bouquet_code, bouquet_name, kind, ifNull(toString(broadcaster_id), '') AS broadcaster_id
FROM marts.dim_bouquet FINAL
