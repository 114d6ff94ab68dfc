CREATE TABLE IF NOT EXISTS marts.dim_device
(
    device_id           UUID                     COMMENT 'Device id (hub.device.id): set-top box, smart card, modem, remote',
    serial_number       String                   COMMENT 'Manufacturer serial number',
    kind                LowCardinality(String)   COMMENT 'stb | smart_card | modem | remote | cable',
    model_code          LowCardinality(String)   COMMENT 'Equipment model code',
    model_name          LowCardinality(String)   COMMENT 'Equipment model name',
    manufacturer        LowCardinality(String)   COMMENT 'Manufacturer of the model',
    cas_id              String                   COMMENT 'Id of the box or card in the conditional-access system ('''' = none)',
    status              LowCardinality(String)   COMMENT 'Lifecycle: ordered | in_transit | in_stock | reserved | installed | returned | refurbishing | rma | scrapped',
    activation_state    LowCardinality(String)   COMMENT 'CAS activation: inactive | active | suspended',
    location_code       LowCardinality(String)   COMMENT 'Stock location code ('''' = none)',
    location_kind       LowCardinality(String)   COMMENT 'warehouse | van | premises ('''' = none)',
    paired_device_id    Nullable(UUID)           COMMENT 'The paired smart card (for a box) or box (for a card)',
    customer_id         Nullable(UUID)           COMMENT 'Customer the device is installed at',
    lco_id              UUID                     COMMENT 'LCO of that customer (zero UUID = none)',
    created_at_utc      DateTime64(6, 'UTC')     COMMENT 'When the device was registered (UTC)',
    _version            UInt64                   COMMENT 'Refresh that wrote the row; FINAL keeps the highest',
    _is_deleted         UInt8                    COMMENT '1 = the device no longer exists (FINAL hides it)',
    _refreshed_at       DateTime64(3, 'UTC')     COMMENT 'When the refresh that wrote the row ran (UTC)'
)
ENGINE = ReplacingMergeTree(_version, _is_deleted)
ORDER BY device_id
COMMENT 'Grain: one row per serialised device (current state). Incremental by watermark on device, equipment_model, stock_location and the customer LCO. Read with FINAL.'
