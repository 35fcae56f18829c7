-- Accepted rows that carry a label: an empty DEV database gets the synthetic dataset when there are none.
select count(*) as n from raw_data where {{target}} is not null
