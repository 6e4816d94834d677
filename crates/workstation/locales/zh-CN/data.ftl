# 数据文件夹：备份、恢复、校验。
# The data folder: backup, restore, verification.

backup-done = 备份完成并已校验： { $path }（{ $instruments } 台仪器，{ $entries } 条审计记录）
restore-done = 已从备份恢复： { $path }（{ $instruments } 台仪器）
restore-previous-kept = 恢复前的数据库已另存为： { $path }
restore-numbers-carried = 备份之后已发出的标识和工单号不会再次发出（沿用本机恢复前的编号进度）
restore-leases-set-aside = 本机没有可对照的旧数据库，备份中剩余的 { $leases } 段标识号已作废，以免与备份后已印出的标签重号；请先同步领取新号段，再登记新仪器
restore-confirm = 将用备份替换当前数据库： { $backup } → { $folder }
restore-confirm-prompt = （当前数据库会另存一份）输入 yes 确认：
restore-not-confirmed = 未确认，未作任何更改；确认请加 --yes
audit-intact = 审计链完整： { $entries } 条记录
data-consistent = 仪器、待同步操作与审计记录一致： { $instruments } / { $ops } / { $entries }
data-inconsistent = 数据不一致： { $detail }
