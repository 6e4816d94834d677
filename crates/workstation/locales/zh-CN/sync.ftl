# 与节点同步：错误、状态、进度。
# Sync with the node: errors, states, progress.

## Sync failures, in words that say what to do next (idstation_sync::SyncError)

sync-network = 无法连接节点（{ $detail }）。改动已保存在本机，联网后会自动同步。
sync-server = 节点出错（HTTP { $status }）：{ $message }。改动已保存在本机，稍后重试。
sync-unauthorized = 节点拒绝了登录凭据，请重新登录：`idstation sync login`
sync-account-pending = 账户待审核：运营方批准后才能同步（{ $message }）
sync-refused = 节点拒绝了请求（{ $code }）：{ $message }
sync-redirected = 节点地址被重定向到 { $location }，未向该地址发送任何内容。若这是节点的新地址，请重新登录到该地址
sync-protocol = 节点的应答无法识别：{ $detail }
sync-not-configured = 本工作站尚未登录节点，请先运行 `idstation sync login`

## The sync state in the header, the sync screen and `idstation dashboard`

sync-state-offline = 未连接节点
sync-state-conflicts = 有冲突待处理
sync-state-error = 同步出错
sync-state-pending = 待同步
sync-state-never = 尚未同步
sync-state-clean = 已同步
sync-state-syncing = 正在同步

## A sync under way, and its end

sync-pushing = 正在上传 { $done }/{ $total }
sync-pulling = 正在下载 { $done }
sync-refetching = 正在重新获取全部数据 { $done }
sync-leasing = 正在申请标识号段
sync-finished = 同步完成：上传 { $sent } 项，下载 { $received } 项
