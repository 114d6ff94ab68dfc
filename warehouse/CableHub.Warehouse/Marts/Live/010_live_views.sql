-- Live views: computed from the hub.* current-state views on every query. Right for "now" on small data
-- and for the end-to-end tests; dashboards at scale read the incrementally built tables (Tables/*.sql,
-- refreshed by MartRefresher). Personal data stays encrypted in PostgreSQL and never reaches these views.
-- {reporting_tz} is the configured reporting time zone (storage is UTC).

CREATE OR REPLACE VIEW marts.dim_subscriber AS
SELECT
    c.id                                   AS customer_id,
    c.customer_number                      AS customer_number,
    c.status                               AS status,
    c.preferred_language                   AS preferred_language,
    l.code                                 AS lco_code,
    l.name                                 AS lco_name,
    l.region                               AS lco_region,
    a.city                                 AS city,
    a.state_or_province                    AS state_or_province,
    a.country                              AS country,
    c.created_at                           AS created_at_utc,
    toDate(toTimeZone(c.created_at, '{reporting_tz}')) AS created_date
FROM hub.customer AS c
LEFT JOIN hub.lco AS l ON l.id = c.lco_id
LEFT JOIN
(
    SELECT customer_id, any(city) AS city, any(state_or_province) AS state_or_province, any(country) AS country
    FROM hub.contact_medium
    WHERE medium_type = 'postal_address' AND valid_to IS NULL
    GROUP BY customer_id
) AS a ON a.customer_id = c.id
COMMENT 'One row per subscriber (customer): status, LCO, coarse location, sign-up date in the reporting time zone. No personal data.';
