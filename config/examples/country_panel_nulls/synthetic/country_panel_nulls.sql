-- A balanced yearly panel of countries (every country every year) with NULL gaps and a collinear column:
-- one row per country-year, deterministic for $seed. Uniform draws come from hash(seed, key * 32 + stream):
-- country universe streams 16-23 with world_seed, country-year streams 0-9 with $seed keyed by year * 4096 + country.
-- The first column, _i, is the row index (the caller drops it). Parameters: $rows, $seed, $start_date (only its
-- year is used), $truth (the YAML beside this file, as JSON), $scenario, $facilities (number of countries; null: the YAML's).
with
truth as (select $truth::json as t),
params as (
    select
        (t->'coefficients'->$scenario->>'intercept')::double as b0,
        (t->'coefficients'->$scenario->>'coal_twh')::double as b_coal,
        (t->'coefficients'->$scenario->>'gas_twh')::double as b_gas,
        (t->'coefficients'->$scenario->>'oil_twh')::double as b_oil,
        (t->'coefficients'->$scenario->>'renewables_twh')::double as b_ren,
        (t->'coefficients'->$scenario->>'population_m')::double as b_pop,
        (t->'coefficients'->$scenario->>'gdp_bn_usd')::double as b_gdp,
        (t->>'noise_sd')::double as noise_sd,
        (t->>'country_effect_sd')::double as effect_sd,
        case when $scenario = 'coal-shift' then (t->'coal_shift'->>'factor')::double else 1 end as coal_factor,
        (t->'population'->>'median_m')::double as pop_median,
        (t->'population'->>'log_sd')::double as pop_log_sd,
        (t->'population'->>'growth_min')::double as pop_g_min,
        (t->'population'->>'growth_max')::double as pop_g_max,
        (t->'gdp_per_capita'->>'median_kusd')::double as gdp_median,
        (t->'gdp_per_capita'->>'log_sd')::double as gdp_log_sd,
        (t->'gdp_per_capita'->>'growth_min')::double as gdp_g_min,
        (t->'gdp_per_capita'->>'growth_max')::double as gdp_g_max,
        (t->'generation_twh_per_bn_usd'->>'coal')::double as k_coal,
        (t->'generation_twh_per_bn_usd'->>'gas')::double as k_gas,
        (t->'generation_twh_per_bn_usd'->>'oil')::double as k_oil,
        (t->'generation_twh_per_bn_usd'->>'renewables')::double as k_ren,
        (t->>'mix_log_sd')::double as mix_sd,
        (t->'trends'->>'coal')::double as tr_coal,
        (t->'trends'->>'gas')::double as tr_gas,
        (t->'trends'->>'oil')::double as tr_oil,
        (t->'trends'->>'renewables')::double as tr_ren,
        (t->>'yearly_sd')::double as yearly_sd,
        (t->'missing'->>'gdp_share')::double as miss_gdp,
        (t->'missing'->>'renewables_share_before')::double as miss_ren,
        (t->'missing'->>'renewables_reported_from')::bigint as ren_from,
        (t->>'base_year')::bigint as base_year,
        year($start_date::date)::bigint as start_year,
        least($rows::bigint, coalesce($facilities::bigint, (t->>'countries')::bigint))::bigint as n_countries,
        (t->>'world_seed')::bigint as world_seed
    from truth
),
-- standard normals and uniforms of the country universe (world_seed) and of each country-year ($seed)
country_draws as (
    select
        range as country_idx,
        sqrt(-2 * ln(((hash(p.world_seed, range * 32 + 16) >> 11)::double + 0.5) / 9007199254740992.0))
            * cos(2 * pi() * ((hash(p.world_seed, range * 32 + 17) >> 11)::double + 0.5) / 9007199254740992.0) as z_pop,
        sqrt(-2 * ln(((hash(p.world_seed, range * 32 + 18) >> 11)::double + 0.5) / 9007199254740992.0))
            * cos(2 * pi() * ((hash(p.world_seed, range * 32 + 19) >> 11)::double + 0.5) / 9007199254740992.0) as z_gdp,
        ((hash(p.world_seed, range * 32 + 20) >> 11)::double + 0.5) / 9007199254740992.0 as u_growth,
        ((hash(p.world_seed, range * 32 + 21) >> 11)::double + 0.5) / 9007199254740992.0 as u_mix,
        sqrt(-2 * ln(((hash(p.world_seed, range * 32 + 22) >> 11)::double + 0.5) / 9007199254740992.0))
            * cos(2 * pi() * ((hash(p.world_seed, range * 32 + 23) >> 11)::double + 0.5) / 9007199254740992.0) as z_effect
    from range((select n_countries from params))
    cross join params p
),
countries as (
    select
        d.country_idx,
        'K' || lpad((d.country_idx + 1)::varchar, 2, '0') as iso3,
        'Country ' || lpad((d.country_idx + 1)::varchar, 2, '0') as country,
        p.pop_median * exp(p.pop_log_sd * d.z_pop) as pop_base,
        p.pop_g_min + (p.pop_g_max - p.pop_g_min) * d.u_growth as pop_growth,
        p.gdp_median * exp(p.gdp_log_sd * d.z_gdp) as gdp_pc_base,
        p.gdp_g_max - (p.gdp_g_max - p.gdp_g_min) * d.u_growth as gdp_growth,
        -- each fuel's share of the economy varies by country: cos/sin of one angle keep coal and gas apart
        exp(p.mix_sd * cos(2 * pi() * d.u_mix)) as coal_mix,
        exp(p.mix_sd * sin(2 * pi() * d.u_mix)) as gas_mix,
        exp(-p.mix_sd * cos(2 * pi() * d.u_mix)) as ren_mix,
        p.effect_sd * d.z_effect as country_effect
    from country_draws d
    cross join params p
),
rows as (
    select
        range as i,
        range % p.n_countries as country_idx,
        p.start_year + range // p.n_countries as year,
        (p.start_year + range // p.n_countries) * 4096 + range % p.n_countries as k
    from range($rows::bigint)
    cross join params p
),
year_draws as (
    select
        r.i, r.country_idx, r.year,
        sqrt(-2 * ln(((hash($seed, r.k * 32 + 0) >> 11)::double + 0.5) / 9007199254740992.0))
            * cos(2 * pi() * ((hash($seed, r.k * 32 + 1) >> 11)::double + 0.5) / 9007199254740992.0) as z_coal,
        sqrt(-2 * ln(((hash($seed, r.k * 32 + 2) >> 11)::double + 0.5) / 9007199254740992.0))
            * cos(2 * pi() * ((hash($seed, r.k * 32 + 3) >> 11)::double + 0.5) / 9007199254740992.0) as z_gas,
        sqrt(-2 * ln(((hash($seed, r.k * 32 + 4) >> 11)::double + 0.5) / 9007199254740992.0))
            * cos(2 * pi() * ((hash($seed, r.k * 32 + 5) >> 11)::double + 0.5) / 9007199254740992.0) as z_oil,
        sqrt(-2 * ln(((hash($seed, r.k * 32 + 6) >> 11)::double + 0.5) / 9007199254740992.0))
            * cos(2 * pi() * ((hash($seed, r.k * 32 + 7) >> 11)::double + 0.5) / 9007199254740992.0) as z_noise,
        ((hash($seed, r.k * 32 + 8) >> 11)::double + 0.5) / 9007199254740992.0 as u_gdp_gap,
        ((hash($seed, r.k * 32 + 9) >> 11)::double + 0.5) / 9007199254740992.0 as u_ren_gap
    from rows r
),
levels as (
    select
        y.i, y.year, y.z_noise, y.u_gdp_gap, y.u_ren_gap,
        c.iso3, c.country, c.country_effect,
        c.pop_base * pow(1 + c.pop_growth, y.year - p.base_year) as population,
        c.pop_base * pow(1 + c.pop_growth, y.year - p.base_year) * c.gdp_pc_base * pow(1 + c.gdp_growth, y.year - p.base_year) as gdp,
        c.coal_mix * exp(p.tr_coal * (y.year - p.base_year) + p.yearly_sd * y.z_coal) * p.coal_factor as coal_scale,
        c.gas_mix * exp(p.tr_gas * (y.year - p.base_year) + p.yearly_sd * y.z_gas) as gas_scale,
        exp(p.tr_oil * (y.year - p.base_year) + p.yearly_sd * y.z_oil) as oil_scale,
        c.ren_mix * exp(p.tr_ren * (y.year - p.base_year)) as ren_scale
    from year_draws y
    join countries c using (country_idx)
    cross join params p
),
drivers as (
    select
        l.i, l.year, l.iso3, l.country, l.country_effect, l.z_noise, l.u_gdp_gap, l.u_ren_gap,
        round(l.population, 3) as population_m,
        round(l.gdp, 2) as gdp_bn_usd,
        round(p.k_coal * l.gdp * l.coal_scale, 3) as coal_twh,
        round(p.k_gas * l.gdp * l.gas_scale, 3) as gas_twh,
        round(p.k_oil * l.gdp * l.oil_scale, 3) as oil_twh,
        round(p.k_ren * l.gdp * l.ren_scale, 3) as renewables_twh
    from levels l
    cross join params p
)
select
    d.i as _i,
    d.iso3,
    d.year,
    d.country,
    d.population_m,
    case when d.u_gdp_gap < p.miss_gdp then null else d.gdp_bn_usd end as gdp_bn_usd,
    d.coal_twh,
    d.gas_twh,
    d.oil_twh,
    round(d.coal_twh + d.gas_twh + d.oil_twh, 3) as fossil_twh,
    case when d.year < p.ren_from and d.u_ren_gap < p.miss_ren then null else d.renewables_twh end as renewables_twh,
    round(p.b0 + d.country_effect
          + p.b_coal * d.coal_twh + p.b_gas * d.gas_twh + p.b_oil * d.oil_twh + p.b_ren * d.renewables_twh
          + p.b_pop * d.population_m + p.b_gdp * d.gdp_bn_usd
          + p.noise_sd * d.z_noise, 3) as co2_mt
from drivers d
cross join params p
order by d.i
