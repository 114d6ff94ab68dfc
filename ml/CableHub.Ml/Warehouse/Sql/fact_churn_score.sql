-- Daily churn scores for analysts (Metabase) and the customer-service screen. Written by the ML scoring routine
-- (CableHub.Ml.Warehouse.ChurnScoring); one row per customer, model and scoring day — a re-run of the same day
-- replaces its rows (ReplacingMergeTree on scored_at; read with FINAL or argMax).
-- Scores support retention offers; they are not automated decisions with legal or similarly significant effects
-- (GDPR Art. 22). The reasons are kept with every score so a person can see why.
CREATE TABLE IF NOT EXISTS marts.fact_churn_score
(
    customer_id      UUID                          COMMENT 'hub.customer.id of the subscriber',
    customer_number  String                        COMMENT 'human-facing customer number (no personal data)',
    score_date       Date                          COMMENT 'day of the scoring run in the reporting time zone',
    scored_at        DateTime64(3, 'UTC')          COMMENT 'when the score was computed (UTC)',
    cutoff           DateTime64(6, 'UTC')          COMMENT 'instant the features describe (point in time)',
    horizon_days     UInt16                        COMMENT 'the probability is of churning within this many days after the cut-off',
    model_name       LowCardinality(String)        COMMENT 'registry model name',
    model_version    UInt32                        COMMENT 'registry model version',
    probability      Float32                       COMMENT 'calibrated probability of churn within horizon_days',
    risk_band        LowCardinality(String)        COMMENT 'high (top decile of training scores) / medium (above the F1 threshold) / low',
    top_reasons      Array(String)                 COMMENT 'up to three columns that raise this customer''s risk most, as column=value',
    reason_effects   Array(Float32)                COMMENT 'probability drop if that column alone had its typical value (same order as top_reasons)'
)
ENGINE = ReplacingMergeTree(scored_at)
PARTITION BY toYYYYMM(score_date)
ORDER BY (score_date, model_name, customer_id)
COMMENT 'Churn probability, risk band and top reasons per subscriber per scoring day (from the ML model registry).';
