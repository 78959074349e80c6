with source as (

    select * from {{ source('raw', 'ele_code') }}

),

renamed as (

    select
        ele_set,
        ele_code,
        ele_name,
        parent_code,
        level_no,
        is_leaf,
        attrs_json
    from source

)

select * from renamed
