with source as (

    select * from {{ source('raw', 'mon_warning_step') }}

),

renamed as (

    select
        step_id,
        warning_id,
        step_no,
        action,
        actor,
        actor_role,
        from_status,
        to_status,
        opinion,
        detail_json,
        created_at
    from source

)

select * from renamed
