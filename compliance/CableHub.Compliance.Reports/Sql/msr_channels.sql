-- Every channel with its broadcaster (names, and channels nobody received still get a row with zeros).
SELECT toString(channel_id) AS channel_id, channel_code, channel_name, toString(broadcaster_id) AS broadcaster_id, broadcaster_code,
       broadcaster_name, definition
FROM marts.dim_channel FINAL
