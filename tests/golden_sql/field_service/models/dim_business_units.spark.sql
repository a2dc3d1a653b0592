-- dim_business_units (model) on spark: scripts/golden_sql.py
/* ServiceTitan's business units with the business-unit map (reference/business_units.csv) */
/* joined by the unit's name: the unit it is reported as (business_unit: the retired */
/* "Z-DO NOT USE - West" units are reported as Phoenix's), its branch, its side (department: */
/* sales or production) and its trade. A unit the map does not list has none of them: it is */
/* in no sales or production KPI until it is mapped (check business_units_are_mapped). */
SELECT
  u.id AS business_unit_id,
  u.name AS business_unit_name,
  u.official_name,
  COALESCE(u.active, TRUE) AS is_active,
  m.reported_as AS business_unit,
  m.branch,
  m.department,
  m.trade,
  NOT m.business_unit IS NULL AS is_mapped
FROM st_business_units AS u
LEFT JOIN ref_business_units AS m
  ON m.business_unit = u.name;
