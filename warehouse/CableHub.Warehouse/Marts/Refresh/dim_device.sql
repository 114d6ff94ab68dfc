INSERT INTO marts.dim_device
    (device_id, serial_number, kind, model_code, model_name, manufacturer, cas_id, status, activation_state,
     location_code, location_kind, paired_device_id, customer_id, lco_id, created_at_utc, _version, _is_deleted, _refreshed_at)
SELECT
    d.id, d.serial_number, d.kind, d.model_code, m.name, m.manufacturer, ifNull(d.cas_id, ''), d.status, d.activation_state,
    loc.code, loc.kind, d.paired_device_id, d.customer_id, ifNull(c.lco_id, toUUID('00000000-0000-0000-0000-000000000000')), d.created_at,
    {version:UInt64}, 0, {refreshed_at:DateTime64(3, 'UTC')}
FROM
(
    SELECT id, serial_number, kind, model_code, cas_id, status, activation_state, location_id, paired_device_id, customer_id, created_at
    FROM hub.device WHERE $scope(id)
) AS d
LEFT JOIN (SELECT code, name, manufacturer FROM hub.equipment_model) AS m ON m.code = d.model_code
LEFT JOIN (SELECT id, code, kind FROM hub.stock_location) AS loc ON loc.id = d.location_id
LEFT JOIN
(
    SELECT id, lco_id FROM hub.customer
    WHERE id IN (SELECT customer_id FROM hub.device WHERE $scope(id) AND customer_id IS NOT NULL)
) AS c ON c.id = d.customer_id
