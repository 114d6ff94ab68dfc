INSERT INTO marts.dim_channel
    (channel_id, channel_code, channel_name, broadcaster_id, broadcaster_code, broadcaster_name, genre, language, definition,
     hd_of_channel_id, lcn, a_la_carte_price, currency, free_to_air, status, valid_from_utc, valid_to_utc,
     _version, _is_deleted, _refreshed_at)
SELECT
    ch.id, ch.code, ch.name, ch.broadcaster_id, b.code, b.name, ch.genre, ch.language, ch.definition,
    ch.hd_of_channel_id, ch.lcn, ch.a_la_carte_price, ch.currency, ch.free_to_air, ch.status, ch.valid_from, ch.valid_to,
    {version:UInt64}, 0, {refreshed_at:DateTime64(3, 'UTC')}
FROM
(
    SELECT id, code, name, broadcaster_id, genre, language, definition, hd_of_channel_id, lcn, a_la_carte_price, currency,
           free_to_air, status, valid_from, valid_to
    FROM hub.channel WHERE $scope(id)
) AS ch
LEFT JOIN hub.broadcaster AS b ON b.id = ch.broadcaster_id
