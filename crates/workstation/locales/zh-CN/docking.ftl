# 对接管理：平台运营者填报对接数据表（附件1），查看向国家顶级节点的上报（附件2、4）。

docking-role-operator = 平台运营者
docking-role-enterprise-admin = 企业管理员
docking-status-verified = 已核验
docking-status-submitted = 待核验
docking-status-rejected = 未通过核验
docking-status-active = 有效
docking-cadence-realtime = 实时上报
docking-cadence-hourly = 每小时上报
docking-cadence-daily = 每日上报
docking-cadence-monthly = 每月上报
docking-not-json = 「{ $field }」须为 JSON 格式：{ $detail }
docking-not-in-schema = 对接数据表中没有「{ $name }」

uplink-state-pending = 待发送
uplink-state-acked = 已确认
uplink-state-failed = 发送失败
uplink-state-filed = 已存为文件（待手动上传）
uplink-summary-ok = 上报正常：顶级节点已确认 { $acked } 份，最近一次确认于 { $last }
uplink-summary-pending = 有 { $pending } 份报告待发送，最早的生成于 { $since }
uplink-summary-failed = 有 { $failed } 份报告发送失败，请查看原因后重发
uplink-summary-filed = 未配置顶级节点地址：{ $filed } 份报告已存为文件，需手动上传
docking-signed-out = 请先用平台运营者账号登录“对接管理”（登录只在本次运行中有效）
docking-attachment-too-large = 文件约 { $size } MB，附件最大 { $max } MB，未上传
maintenance-on = 维护模式已开启（自 { $since }）：{ $description }。这段时间计为计划维护，不计入可用率
maintenance-off = 维护模式未开启
