# 仪器：状态、校准结论、记录历史中的操作、列表与概览。
# Instruments: statuses, calibration results, the actions of a record's history, lists and the
# dashboard. (Field names and today's status come from idstation_model, which also parses them.)

## Status and calibration result (the zh-CN words are the ones idstation_model parses)

status-in-use = 在用
status-restricted = 准用
status-stopped = 停用
status-scrapped = 报废
result-pass = 合格
result-restricted = 准用
result-fail = 停用

## What happened to a record (audit actions)

action-register = 登记
action-edit = 修改
action-delete = 删除
action-undelete = 恢复
action-import = 导入
action-resolve-conflict = 解决冲突
action-init = 初始化
action-restore = 从备份恢复
action-sign-in-elsewhere = 换用户或节点登录

## Lists and the dashboard

due-within-30-days = 30 天内到期
due-overdue = 已超期
