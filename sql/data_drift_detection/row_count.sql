select count(*) as n from {{rows}} as r
