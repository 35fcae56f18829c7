-- National CO2 of a yearly panel of countries: one row per country-year, deterministic for $seed.
-- Uniform draws come from hash(seed, key * 32 + stream) with one stream per purpose (country universe
-- 16-24 with world_seed; country-year draws 0-7 with $seed, keyed by year * 4096 + country), so a
-- country-year gets the same values whatever batch (start year, row count) it is generated in, and the
-- output does not depend on the thread count.
-- The first column, _i, is the row index (the caller drops it). Parameters: $rows, $seed, $start_date
-- (only its year is used: the first year), $truth (the YAML beside this file, as JSON), $scenario,
-- $facilities (here: the number of countries; null: the YAML's).
with
truth as (select $truth::json as t),
continents as (
    select key as continent, value::double as effect, row_number() over (order by key) - 1 as continent_idx
    from json_each((select t->'continent_effects' from truth))
),
income_groups as (
    select key as income_group,
           value::double as effect,
           coalesce(((select t->'income_group_bounds' from truth)->>key)::double, 0) as lower_bound
    from json_each((select t->'income_group_effects' from truth))
),
params as (
    select
        (t->'coefficients'->$scenario->>'intercept')::double as b0,
        (t->'coefficients'->$scenario->>'fossil_generation_twh')::double as b_fossil,
        (t->'coefficients'->$scenario->>'coal_generation_twh')::double as b_coal,
        (t->'coefficients'->$scenario->>'population_m')::double as b_pop,
        (t->'coefficients'->$scenario->>'gdp_bn_usd')::double as b_gdp,
        (t->'coefficients'->$scenario->>'demand_twh')::double as b_demand,
        (t->'coefficients'->$scenario->>'coal_share')::double as b_coal_share,
        (t->'coefficients'->$scenario->>'renewables_share')::double as b_renewables_share,
        (t->'coefficients'->$scenario->>'gdp_per_capita_kusd')::double as b_gdp_pc,
        (t->>'noise_sd')::double as noise_sd,
        case when $scenario = 'covariate-shift' then 1 else 0 end as cs,
        (t->'covariate_shift'->>'demand_factor')::double as cs_demand,
        (t->'covariate_shift'->>'gdp_factor')::double as cs_gdp,
        (t->'covariate_shift'->>'renewables_share')::double as cs_renewables,
        (t->'covariate_shift'->>'coal_share')::double as cs_coal,
        (t->'population'->>'median_m')::double as pop_median,
        (t->'population'->>'log_sd')::double as pop_log_sd,
        (t->'population'->>'min_m')::double as pop_min,
        (t->'population'->>'growth_min')::double as pop_g_min,
        (t->'population'->>'growth_max')::double as pop_g_max,
        (t->'gdp_per_capita'->>'median_kusd')::double as gdp_median,
        (t->'gdp_per_capita'->>'log_sd')::double as gdp_log_sd,
        (t->'gdp_per_capita'->>'growth_min')::double as gdp_g_min,
        (t->'gdp_per_capita'->>'growth_max')::double as gdp_g_max,
        (t->'gdp_per_capita'->>'convergence')::double as gdp_convergence,
        (t->'electricity'->>'mwh_per_capita_at_1kusd')::double as elec_a,
        (t->'electricity'->>'elasticity')::double as elec_elasticity,
        (t->'electricity'->>'yearly_sd')::double as elec_sd,
        (t->'power_mix'->>'coal_max')::double as coal_max,
        (t->'power_mix'->>'renewables_min')::double as ren_min,
        (t->'power_mix'->>'renewables_max')::double as ren_max,
        (t->'power_mix'->>'coal_trend')::double as coal_trend,
        (t->'power_mix'->>'renewables_trend')::double as ren_trend,
        (t->'power_mix'->>'yearly_sd')::double as mix_sd,
        (t->>'base_year')::bigint as base_year,
        year($start_date::date)::bigint as start_year,
        least($rows::bigint, coalesce($facilities::bigint, (t->>'countries')::bigint))::bigint as n_countries,
        (t->>'world_seed')::bigint as world_seed
    from truth
),
country_draws as (
    select
        range as country_idx,
        hash(p.world_seed, range * 32 + 16) % (select count(*) from continents) as continent_pick,
        sqrt(-2 * ln(((hash(p.world_seed, range * 32 + 17) >> 11)::double + 0.5) / 9007199254740992.0))
            * cos(2 * pi() * ((hash(p.world_seed, range * 32 + 18) >> 11)::double + 0.5) / 9007199254740992.0) as z_pop,
        sqrt(-2 * ln(((hash(p.world_seed, range * 32 + 19) >> 11)::double + 0.5) / 9007199254740992.0))
            * cos(2 * pi() * ((hash(p.world_seed, range * 32 + 20) >> 11)::double + 0.5) / 9007199254740992.0) as z_gdp,
        ((hash(p.world_seed, range * 32 + 21) >> 11)::double + 0.5) / 9007199254740992.0 as u_pop_growth,
        ((hash(p.world_seed, range * 32 + 22) >> 11)::double + 0.5) / 9007199254740992.0 as u_gdp_growth,
        ((hash(p.world_seed, range * 32 + 23) >> 11)::double + 0.5) / 9007199254740992.0 as u_coal,
        ((hash(p.world_seed, range * 32 + 24) >> 11)::double + 0.5) / 9007199254740992.0 as u_renewables
    from range((select n_countries from params))
    cross join params p
),
countries as (
    select
        d.country_idx,
        'C' || lpad((d.country_idx + 1)::varchar, 3, '0') as country_code,
        c.continent, c.effect as continent_effect,
        greatest(p.pop_min, p.pop_median * exp(p.pop_log_sd * d.z_pop)) as pop_base,
        p.pop_g_min + (p.pop_g_max - p.pop_g_min) * d.u_pop_growth as pop_growth,
        p.gdp_median * exp(p.gdp_log_sd * d.z_gdp) as gdp_pc_base,
        greatest(-0.01, p.gdp_g_min + (p.gdp_g_max - p.gdp_g_min) * d.u_gdp_growth - p.gdp_convergence * p.gdp_log_sd * d.z_gdp) as gdp_growth,
        p.coal_max * d.u_coal as coal_base,
        p.ren_min + (p.ren_max - p.ren_min) * d.u_renewables as ren_base
    from country_draws d
    join continents c on c.continent_idx = d.continent_pick
    cross join params p
),
draws as (
    select
        range as i,
        range % p.n_countries as country_idx,
        p.start_year + range // p.n_countries as year,
        (p.start_year + range // p.n_countries) * 4096 + range % p.n_countries as k
    from range($rows::bigint)
    cross join params p
),
normals as (
    select
        i, country_idx, year,
        sqrt(-2 * ln(((hash($seed, k * 32 + 0) >> 11)::double + 0.5) / 9007199254740992.0))
            * cos(2 * pi() * ((hash($seed, k * 32 + 1) >> 11)::double + 0.5) / 9007199254740992.0) as z_elec,
        sqrt(-2 * ln(((hash($seed, k * 32 + 2) >> 11)::double + 0.5) / 9007199254740992.0))
            * cos(2 * pi() * ((hash($seed, k * 32 + 3) >> 11)::double + 0.5) / 9007199254740992.0) as z_coal,
        sqrt(-2 * ln(((hash($seed, k * 32 + 4) >> 11)::double + 0.5) / 9007199254740992.0))
            * cos(2 * pi() * ((hash($seed, k * 32 + 5) >> 11)::double + 0.5) / 9007199254740992.0) as z_renewables,
        sqrt(-2 * ln(((hash($seed, k * 32 + 6) >> 11)::double + 0.5) / 9007199254740992.0))
            * cos(2 * pi() * ((hash($seed, k * 32 + 7) >> 11)::double + 0.5) / 9007199254740992.0) as z_noise
    from draws
),
levels as (
    select
        n.i, n.year, n.z_noise,
        c.country_code, c.continent, c.continent_effect,
        c.pop_base * pow(1 + c.pop_growth, n.year - p.base_year) as population,
        c.gdp_pc_base * pow(1 + c.gdp_growth, n.year - p.base_year) * (case when p.cs = 1 then p.cs_gdp else 1 end) as gdp_pc,
        exp(p.elec_sd * n.z_elec) as elec_noise,
        least(0.95, greatest(0.0, c.ren_base + p.ren_trend * (n.year - p.base_year) + p.mix_sd * n.z_renewables + p.cs * p.cs_renewables)) as ren,
        c.coal_base + p.coal_trend * (n.year - p.base_year) + p.mix_sd * n.z_coal + p.cs * p.cs_coal as coal_raw
    from normals n
    join countries c using (country_idx)
    cross join params p
),
drivers as (
    select
        l.i, l.year, l.z_noise, l.country_code, l.continent, l.continent_effect,
        (select g.income_group from income_groups g where g.lower_bound <= l.gdp_pc order by g.lower_bound desc limit 1) as income_group,
        round(l.population, 3) as population_m,
        round(l.population * l.gdp_pc, 2) as gdp_bn_usd,
        round(l.population * p.elec_a * pow(l.gdp_pc, p.elec_elasticity) * l.elec_noise * (case when p.cs = 1 then p.cs_demand else 1 end), 3) as demand_twh,
        round(least(1 - l.ren, greatest(0.0, l.coal_raw)), 4) as coal_share,
        round(l.ren, 4) as renewables_share
    from levels l
    cross join params p
)
select
    d.i as _i,
    d.country_code,
    d.year,
    d.continent,
    d.income_group,
    d.population_m,
    d.gdp_bn_usd,
    d.demand_twh,
    d.coal_share,
    d.renewables_share,
    round(p.b0 + d.continent_effect + g.effect
          + p.b_fossil * d.demand_twh * (1 - d.renewables_share)
          + p.b_coal * d.demand_twh * d.coal_share
          + p.b_pop * d.population_m
          + p.b_gdp * d.gdp_bn_usd
          + p.b_demand * d.demand_twh
          + p.b_coal_share * d.coal_share
          + p.b_renewables_share * d.renewables_share
          + p.b_gdp_pc * d.gdp_bn_usd / d.population_m
          + p.noise_sd * d.z_noise, 3) as co2_mt
from drivers d
join income_groups g using (income_group)
cross join params p
order by d.i
