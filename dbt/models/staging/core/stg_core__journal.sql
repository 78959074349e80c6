with source as (

    select * from {{ source('raw', 'journal') }}

),

renamed as (

    select
        seq,
        cast(substr(occurred_at, 1, 26) as timestamp) as occurred_at,
        actor,
        actor_role,
        action,
        object_type,
        object_id,
        after_json,
        opinion
    from source

)

select * from renamed
