-- 公开表4 政府性基金预算支出表: 政府性基金预算 spending by 功能分类 (合计, 类, 款, 项): 基本支出 and
-- 项目支出. A department without such money still prints its 合计 row (all zero).
{{ disclosure_fund_expenditure('government_fund') }}
