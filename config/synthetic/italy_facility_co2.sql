-- Daily CO2 emissions of Italian facilities: one row per facility-day, deterministic for $seed.
-- Uniform draws come from hash(seed, index * 32 + stream), so the output is the same whatever the thread count.
-- Each purpose has its own stream number (rows 0-10, facilities 16-19, bad rows 30-31 in generate.ts): DuckDB's
-- multi-argument hash combines per-argument hashes, so hash(seed, i, 'a') and hash(seed, i, 'b') are strongly
-- correlated (r = 0.88 measured), while the hashes of distinct single integers are not.
-- The first column, _i, is the row index (the caller drops it). Parameters: $rows, $seed, $start_date, $truth (the YAML beside this file, as JSON), $scenario, $facilities (null: the YAML's).
with
truth as (select $truth::json as t),
regions as (
    select key as region,
           (value->>'effect')::double as effect,
           (value->>'temp')::double as base_temp,
           (value->>'renewable')::double as base_renewable,
           row_number() over (order by key) - 1 as region_idx
    from json_each((select t->'regions' from truth))
),
sectors as (
    select key as sector,
           value::double as effect,
           ((select t->'sector_base_energy_mwh' from truth)->>key)::double as base_energy,
           coalesce(((select t->'target_shift_sector_shares' from truth)->>key)::double, 0) as shifted_share,
           row_number() over (order by key) - 1 as sector_idx
    from json_each((select t->'sector_effects' from truth))
),
sector_cdf as (
    select *, sum(shifted_share) over (order by sector_idx) as cum_share from sectors
),
params as (
    select
        (t->'coefficients'->$scenario->>'intercept')::double as b0,
        (t->'coefficients'->$scenario->>'fossil_energy_mwh')::double as b_fossil,
        (t->'coefficients'->$scenario->>'activity_index')::double as b_activity,
        (t->'coefficients'->$scenario->>'temperature_c')::double as b_temp,
        (t->'coefficients'->$scenario->>'fuel_price_eur_mwh')::double as b_price,
        (t->'coefficients'->$scenario->>'energy_mwh')::double as b_energy,
        (t->'coefficients'->$scenario->>'renewable_share')::double as b_renew,
        (t->>'noise_sd')::double as noise_sd,
        case when $scenario = 'covariate-shift' then 1 else 0 end as cs,
        (t->'covariate_shift'->>'temperature_c')::double as cs_temp,
        (t->'covariate_shift'->>'energy_factor')::double as cs_energy,
        (t->'covariate_shift'->>'renewable_share')::double as cs_renew,
        (t->'covariate_shift'->>'activity_index')::double as cs_activity,
        (t->'covariate_shift'->>'fuel_price_eur_mwh')::double as cs_price,
        least($rows::bigint, coalesce($facilities::bigint, (t->>'facilities')::bigint))::bigint as n_facilities,
        (t->>'world_seed')::bigint as world_seed
    from truth
),
facilities as (
    select
        f.facility_idx,
        r.region, r.effect as region_effect, r.base_temp, r.base_renewable,
        s.sector, s.effect as sector_effect, s.base_energy,
        exp(0.3 * sqrt(-2 * ln(f.u1)) * cos(2 * pi() * f.u2)) as size_factor
    from (
        select
            range as facility_idx,
            ((hash((select world_seed from params), range * 32 + 16) >> 11)::double + 0.5) / 9007199254740992.0 as u1,
            ((hash((select world_seed from params), range * 32 + 17) >> 11)::double + 0.5) / 9007199254740992.0 as u2,
            ((hash((select world_seed from params), range * 32 + 18) >> 11)::double + 0.5) / 9007199254740992.0 as u_sector,
            hash((select world_seed from params), range * 32 + 19) % (select count(*) from regions) as region_pick
        from range((select n_facilities from params))
    ) f
    join regions r on r.region_idx = f.region_pick
    join sector_cdf s on s.sector_idx = (
        case when $scenario = 'target-shift'
             then (select min(sector_idx) from sector_cdf c where c.cum_share >= f.u_sector)
             else least(floor(f.u_sector * (select count(*) from sectors))::bigint, (select count(*) from sectors) - 1) end)
),
draws as (
    select
        range as i,
        range % (select n_facilities from params) as facility_idx,
        range // (select n_facilities from params) as day_idx,
        sqrt(-2 * ln(((hash($seed, range * 32 + 0) >> 11)::double + 0.5) / 9007199254740992.0))
            * cos(2 * pi() * ((hash($seed, range * 32 + 1) >> 11)::double + 0.5) / 9007199254740992.0) as z_temp,
        sqrt(-2 * ln(((hash($seed, range * 32 + 2) >> 11)::double + 0.5) / 9007199254740992.0))
            * cos(2 * pi() * ((hash($seed, range * 32 + 3) >> 11)::double + 0.5) / 9007199254740992.0) as z_renew,
        sqrt(-2 * ln(((hash($seed, range * 32 + 4) >> 11)::double + 0.5) / 9007199254740992.0))
            * cos(2 * pi() * ((hash($seed, range * 32 + 5) >> 11)::double + 0.5) / 9007199254740992.0) as z_activity,
        sqrt(-2 * ln(((hash($seed, range * 32 + 6) >> 11)::double + 0.5) / 9007199254740992.0))
            * cos(2 * pi() * ((hash($seed, range * 32 + 7) >> 11)::double + 0.5) / 9007199254740992.0) as z_price,
        sqrt(-2 * ln(((hash($seed, range * 32 + 8) >> 11)::double + 0.5) / 9007199254740992.0))
            * cos(2 * pi() * ((hash($seed, range * 32 + 9) >> 11)::double + 0.5) / 9007199254740992.0) as z_noise,
        ((hash($seed, range * 32 + 10) >> 11)::double + 0.5) / 9007199254740992.0 as u_energy
    from range($rows::bigint)
),
inputs as (
    select
        d.i,
        'F' || lpad(d.facility_idx::varchar, 6, '0') as facility_id,
        ($start_date::date + d.day_idx::integer) as date,
        f.region, f.region_effect,
        f.sector, f.sector_effect,
        round(f.base_temp + 10 * sin(2 * pi() * (dayofyear($start_date::date + d.day_idx::integer) - 110) / 365.25)
              + 3 * d.z_temp + p.cs * p.cs_temp, 2) as temperature_c,
        d.u_energy, d.z_renew, d.z_activity, d.z_price, d.z_noise, d.day_idx,
        f.base_energy, f.size_factor, f.base_renewable
    from draws d
    join facilities f using (facility_idx)
    cross join params p
),
drivers as (
    select
        i.*,
        round(i.base_energy * i.size_factor * (1 + 0.02 * greatest(0, 15 - i.temperature_c)) * (0.9 + 0.2 * i.u_energy)
              * (case when p.cs = 1 then p.cs_energy else 1 end), 3) as energy_mwh,
        round(least(0.95, greatest(0.0, i.base_renewable + 0.08 * i.z_renew + p.cs * p.cs_renew)), 4) as renewable_share,
        round(100 + 15 * i.z_activity + p.cs * p.cs_activity, 2) as activity_index,
        round(80 + 0.02 * i.day_idx + 10 * i.z_price + p.cs * p.cs_price, 2) as fuel_price_eur_mwh
    from inputs i
    cross join params p
)
select
    i as _i,
    facility_id,
    date,
    region,
    sector,
    temperature_c,
    energy_mwh,
    renewable_share,
    activity_index,
    fuel_price_eur_mwh,
    round(p.b0 + sector_effect + region_effect
          + p.b_fossil * energy_mwh * (1 - renewable_share)
          + p.b_energy * energy_mwh
          + p.b_renew * renewable_share
          + p.b_activity * activity_index
          + p.b_temp * temperature_c
          + p.b_price * fuel_price_eur_mwh
          + p.noise_sd * z_noise, 3) as co2_tonnes
from drivers
cross join params p
order by i
