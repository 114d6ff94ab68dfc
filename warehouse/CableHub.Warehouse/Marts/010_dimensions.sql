-- Dimensions for analysts (Metabase). Personal data stays encrypted in PostgreSQL and never reaches these
-- views: subscribers are identified by their customer number; location is the coarse address part.
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

CREATE OR REPLACE VIEW marts.dim_plan AS
SELECT
    p.id              AS plan_id,
    p.code            AS plan_code,
    p.name            AS plan_name,
    p.billing_period  AS billing_period,
    p.price           AS price,
    p.currency        AS currency,
    p.status          AS status,
    countDistinct(pc.channel_id) AS channels
FROM hub.plan AS p
LEFT JOIN hub.plan_package AS pp ON pp.plan_id = p.id
LEFT JOIN hub.package_channel AS pc ON pc.package_id = pp.package_id
GROUP BY p.id, p.code, p.name, p.billing_period, p.price, p.currency, p.status
COMMENT 'Plans (TMF620 product offerings) with their recurring price and number of channels.';

CREATE OR REPLACE VIEW marts.dim_channel AS
SELECT
    ch.id               AS channel_id,
    ch.code             AS channel_code,
    ch.name             AS channel_name,
    b.code              AS broadcaster_code,
    b.name              AS broadcaster_name,
    ch.genre            AS genre,
    ch.language         AS language,
    ch.definition       AS definition,
    ch.lcn              AS lcn,
    ch.cas_product_id   AS cas_product_id,
    ch.a_la_carte_price AS a_la_carte_price,
    ch.currency         AS currency,
    ch.free_to_air      AS free_to_air
FROM hub.channel AS ch
LEFT JOIN hub.broadcaster AS b ON b.id = ch.broadcaster_id
COMMENT 'The channel line-up with broadcaster, genre, language, SD/HD and à-la-carte price.';
