SELECT id FROM raw.hub_customer WHERE _ingested_at >= {since:DateTime64(3, 'UTC')}
UNION DISTINCT
SELECT customer_id FROM raw.hub_contact_medium WHERE _ingested_at >= {since:DateTime64(3, 'UTC')}
UNION DISTINCT
SELECT customer_id FROM raw.hub_billing_account WHERE _ingested_at >= {since:DateTime64(3, 'UTC')}
UNION DISTINCT
SELECT id FROM raw.hub_customer WHERE lco_id IN (SELECT id FROM raw.hub_lco WHERE _ingested_at >= {since:DateTime64(3, 'UTC')})
