-- ServiceTitan's business units with the business-unit map (reference/business_units.csv)
-- joined by the unit's name: the unit it is reported as (business_unit: the retired
-- "Z-DO NOT USE - West" units are reported as Phoenix's), its branch, its side (department:
-- sales or production) and its trade. A unit the map does not list has none of them: it is
-- in no sales or production KPI until it is mapped (check business_units_are_mapped).
select u.id as business_unit_id, u.name as business_unit_name, u.official_name,
       coalesce(u.active, true) as is_active,
       m.reported_as as business_unit, m.branch, m.department, m.trade,
       m.business_unit is not null as is_mapped
from st_business_units as u
left join ref_business_units as m on m.business_unit = u.name
