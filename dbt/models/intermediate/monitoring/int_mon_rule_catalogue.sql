-- Generated from fiscal_core/monitoring/catalogue.py (python -m fiscal_core.monitoring.catalogue);
-- tests/monitoring/test_catalogue.py fails when this file and the catalogue differ.
with rules (rule_code, rule_no, rule_version, rule_name, rule_name_en, trigger_type, warning_level,
            level_name, handling, dimension, rule_basis) as (

    values
        ('R01', 1, 1, '向本单位实有资金账户划转（资金回流）', '{{ dbt.escape_single_quotes("transfer to the unit's own-funds account") }}', 'realtime', 'orange', '橙色', '预警需上传附件 attachment required', '流向', '《中央财政国库动态监控管理暂行办法》；《财政违法行为处罚处分条例》（坐收坐支、转移资金）；docs/standard/monitoring.md §R01 (S5 A0108, S1 同户名转账)'),
        ('R03', 3, 1, '向个人账户大额转账', 'large transfer to a personal account', 'realtime', 'orange', '橙色', '预警需上传附件 attachment required', '流向', '《中央财政国库动态监控管理暂行办法》；docs/standard/controls.md §PAY5, docs/standard/monitoring.md §R03 (S1 向个人账户大额转账单笔)'),
        ('R04', 4, 1, '工资性支出未通过统发（同户名转账的工资业务）', 'wages paid outside 工资统发', 'realtime', 'red', '红色', '拦截 block', '流向', '国库集中支付制度（财政供养人员工资统一发放）；docs/standard/controls.md §PAY5, docs/standard/monitoring.md §R04 (S1 同户名转账的工资业务)'),
        ('R05', 5, 1, '工会经费大额支付给个人', 'union funds paid to a person', 'realtime', 'yellow', '黄色', '预警 warn', '流向', '《中华人民共和国工会法》（工会经费按工资总额2%拨缴工会）；docs/standard/monitoring.md §R05 (S5 A0109 虚列支出)'),
        ('R06', 6, 1, '大额现金支付', 'large cash payment', 'realtime', 'orange', '橙色', '预警需上传附件 attachment required', '流量', '《现金管理暂行条例》（现金结算起点1000元）；docs/standard/monitoring.md §R06'),
        ('R06M', 6, 1, '现金支付累计超限', 'cash payments above the monthly or yearly total', 'scheduled', 'yellow', '黄色', '预警 warn', '流量', '《现金管理暂行条例》；docs/standard/monitoring.md §R06（限额为本地参数 ⚠）'),
        ('R08', 8, 1, '三公经费超年初预算', '三公 spending above the 年初 budget', 'scheduled', 'yellow', '黄色', '预警 warn', '流量', '《党政机关厉行节约反对浪费条例》；《党政机关国内公务接待管理规定》；docs/standard/monitoring.md §R08 (S1 ThrExpReport)'),
        ('R09', 9, 1, '疑似挪用三公经费（科目与用途不符）', '三公-type spending on another code', 'realtime', 'yellow', '黄色', '预警 warn', '流向', '《党政机关厉行节约反对浪费条例》；《党政机关公务用车管理办法》；docs/standard/monitoring.md §R09 (S5 A0112-A0119, S1 疑似挪用三公经费)'),
        ('R10', 10, 1, '年底突击花钱', 'year-end spending rush', 'scheduled', 'yellow', '黄色', '预警 warn', '流速', '《中华人民共和国预算法》；docs/standard/monitoring.md §R10 (S5 A0110)'),
        ('R11', 11, 1, '预算执行进度滞后', 'budget execution behind time', 'scheduled', 'yellow', '黄色', '预警 warn', '流速', '《中华人民共和国预算法》；docs/standard/monitoring.md §R11 (S1 ThreeGuarantees, S5 A0102/A0105)'),
        ('R12', 12, 1, '拆分采购（化整为零）', 'split procurement', 'scheduled', 'yellow', '黄色', '预警 warn', '流量', '《中华人民共和国政府采购法》第二十八条；国办发〔2019〕55号 集中采购目录及标准指引；docs/standard/monitoring.md §R12'),
        ('R13', 13, 1, '无合同支付／超合同支付／收款人非供应商', 'payment without or beyond a contract', 'realtime', 'red', '红色', '拦截 block', '流向', '《中华人民共和国政府采购法》；docs/standard/controls.md §PAY4, docs/standard/monitoring.md §R13'),
        ('R13S', 13, 1, '合同支付事后核查', 'contract payments checked after the fact', 'scheduled', 'yellow', '黄色', '预警 warn', '流向', '《中华人民共和国政府采购法》；docs/standard/monitoring.md §R13'),
        ('R15', 15, 1, '疑似高档消费', 'suspected luxury spending', 'realtime', 'yellow', '黄色', '预警 warn', '流向', '中央八项规定及其实施细则；docs/standard/monitoring.md §R15 (S5 A0122)'),
        ('R16', 16, 1, '超市商场大额整数支付', 'round sums at supermarkets and malls', 'realtime', 'yellow', '黄色', '预警 warn', '流量', '中央八项规定（严禁用公款购买购物卡）；docs/standard/monitoring.md §R16 (S5 A0123)'),
        ('R17', 17, 1, '禁止使用科目', 'forbidden economic code', 'realtime', 'red', '红色', '拦截 block', '流向', 'docs/standard/controls.md §PAY8, docs/standard/monitoring.md §R17 (S1 禁止使用科目)'),
        ('R17S', 17, 1, '“其他”科目占比过高', '{{ dbt.escape_single_quotes("too much on the 'other' codes") }}', 'scheduled', 'yellow', '黄色', '预警 warn', '流量', 'docs/standard/monitoring.md §R17 (S5 A0129)'),
        ('R18', 18, 1, '支付摘要不规范', 'vague payment purpose', 'realtime', 'yellow', '黄色', '预警 warn', '流向', 'docs/standard/controls.md §PAY6, docs/standard/monitoring.md §R18 (S1 规范使用支付摘要)'),
        ('R19', 19, 1, '超范围发放奖金津补贴', 'bonuses and allowances outside the payroll', 'realtime', 'yellow', '黄色', '预警 warn', '流向', '规范津贴补贴的有关规定（不得超范围、超标准发放）；docs/standard/monitoring.md §R19 (S5 A0124)'),
        ('R23', 23, 1, '惠企利民补贴到人缺少明细', 'subsidies to people without beneficiary rows', 'scheduled', 'yellow', '黄色', '预警 warn', '流向', '直达资金、惠企利民资金须直达受益人（补贴到人到企）；docs/standard/controls.md §PAY7, docs/standard/monitoring.md §R23 (S2 PAY_DETAIL)')

),

final as (

    select * from rules

)

select * from final
