# `idstation` 命令行的输出。
# What the `idstation` command line prints.

cli-error = 错误：{ $message }
cli-unsupported-language = 不支持的语言“{ $lang }”，可选 zh-CN 或 en
cli-password = 密码：

## Progress on a terminal

cli-progress-backup = 备份
cli-progress-restore = 恢复
cli-progress-demo = 生成演示数据
cli-progress-import = 导入
cli-progress-printing = 打印

## `status`

cli-device = 设备
cli-prefix = 企业前缀
cli-data-folder = 数据目录
cli-instruments = 仪器数量
cli-pending-ops = 待同步操作

## Instruments

cli-registered = 已登记 { $id } { $name }（版本 { $version }）
cli-saved = 已保存 { $id } { $name }（版本 { $version }）
cli-unchanged = 内容未变，未写入： { $id }
cli-deleted = 已删除 { $id } { $name }
cli-undo-delete = 如需撤销： idstation instrument undelete { $id }
cli-imported = 已导入仪器： { $count }
cli-live-status = 当前状态
cli-deleted-at = 删除时间
cli-history = 历史：
cli-no-instruments = 没有符合条件的仪器
cli-col-identifier = 标识
cli-col-name = 名称
cli-col-model = 型号
cli-col-owner = 所属单位
cli-col-status = 状态
cli-col-due = 下次校准
cli-deleted-status = 已删除({ $status })
cli-more-results = …还有更多结果，请加 --limit 或细化查询

## `dashboard`, `resolve`

cli-total = 仪器总数
cli-sync = 同步
cli-pending = 待同步
cli-open-conflicts = 未解决冲突
cli-from-node = （来自节点，本机未保存）
cli-unknown-scan = 本机和节点都没有这个标识；登记：idstation instrument add --id …

## `sync`, `conflicts`

cli-sync-report = 同步完成：上传 { $pushed } 条（新 { $applied }，重复 { $duplicates }，拒绝 { $rejected }，冲突 { $conflicts }），下载 { $pulled } 条
cli-sync-refetched = （已重新获取全部记录）
cli-sync-leased = ，领取标识 { $count } 个
cli-node = 节点
cli-not-signed-in = 未登录
cli-rejected-ops = 被拒绝操作
cli-leased-left = 剩余预分配标识
cli-last-success = 上次成功
cli-last-error = 上次错误
cli-none = 无
cli-no-conflicts = 没有未处理的冲突
cli-conflict-sides = 本机 { $local } / 节点 { $node }

## `label`, `printer`

cli-label-rendered = 已生成 { $file } ({ $format }, { $bytes } B) QR: { $qr }
cli-queue-processed = 已打印 { $printed }，仍在排队 { $queued }，失败 { $failed }
cli-file-saved = 已保存 { $file }
cli-template-builtin = （内置）
cli-template-saved = 已保存模板 { $name }
cli-qr-payload = 二维码内容: https://{ $host }/<标识>
cli-qr-ecc = 二维码纠错等级: { $ecc }
cli-test-sent = 已发送测试页到 { $name }
cli-printer-removed = 已删除打印机 { $name }
cli-darkness = 浓度 { $darkness }
cli-no-jobs = 没有打印任务
cli-reprint-reason = 补打原因: { $reason }
cli-docking-field-count = { $count } 个字段
cli-docking-no-records = 这个数据表还没有记录
cli-uplink-resent = 已将 { $count } 份报告重新排入发送队列
