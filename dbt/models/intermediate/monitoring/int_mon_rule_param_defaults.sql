-- Generated from fiscal_core/monitoring/catalogue.py (python -m fiscal_core.monitoring.catalogue);
-- tests/monitoring/test_catalogue.py fails when this file and the catalogue differ.
with defaults (rule_code, param_name, param_kind, default_value) as (

    values
        ('R06M', 'monthly_limit', 'fen', '5000000'),
        ('R06M', 'yearly_limit', 'fen', '20000000'),
        ('R08', 'ratio', 'ratio', '1.0'),
        ('R10', 'share', 'ratio', '0.5'),
        ('R10', 'sources', 'words', '1,2'),
        ('R11', 'ratio', 'ratio', '0.5'),
        ('R11', 'first_quarter', 'int', '2'),
        ('R12', 'min_payments', 'int', '2'),
        ('R12', 'excluded_codes', 'words', '30205,30206,30207,30211,30212,30217,30226,30228,30229,30239'),
        ('R17S', 'share', 'ratio', '0.2'),
        ('DISPOSAL', 'feedback_days', 'int', '5'),
        ('DISPOSAL', 'review_days', 'int', '5'),
        ('DISPOSAL', 'confirm_days', 'int', '5'),
        ('DISPOSAL', 'rectify_days', 'int', '30')

),

final as (

    select * from defaults

)

select * from final
