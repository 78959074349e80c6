with source as (

    select * from {{ source('raw', 'ele_dep_gov_eco_map') }}

),

renamed as (

    select
        dep_bgt_eco_code,
        eco_map_kind,
        gov_bgt_eco_code
    from source

)

select * from renamed
