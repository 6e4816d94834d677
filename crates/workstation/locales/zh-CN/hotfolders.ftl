# 热文件夹：设置、监视过程中的消息、被拒文件的问题。

## 错误

hot-folder-settings = 热文件夹设置有误，未作更改：{ $detail }
hot-folder-not-a-folder = { $path } 不是文件夹（指向文件夹的链接也不会被监视）
hot-folder-busy = { $path } 已被另一个程序监视（应用或 `idstation watch`），请先停止它
hot-folder-watch = 无法监视 { $path }：{ $detail }；网络共享文件夹请选择轮询方式
hot-folder-contended = 导入期间文件涉及的仪器被反复修改，未导入任何内容，请重试
hot-folder-stopped = 热文件夹已停止：{ $detail }
hot-folder-not-absolute = 热文件夹 { $path } 须为完整路径（从 / 或盘符开始）
hot-folder-data-folder = { $path } 包含工作站自身的数据文件夹或位于其中，请选择其他文件夹
hot-folder-twice = { $path } 被重复设置为热文件夹
hot-folder-not-set = { $path } 不是本工作站的热文件夹
hot-folder-none-set = 尚未设置热文件夹（{ $path }）；用 `idstation hotfolder add 文件夹` 添加

## 被拒文件的问题：位置，然后原因

file-problem-file = { $why }
file-problem-row = 第 { $row } 行：{ $why }
file-problem-cell = 第 { $row } 行“{ $column }”列：{ $why }
file-problem-value = 第 { $row } 行“{ $column }”列，值“{ $value }”：{ $why }

## 监视过程中的消息（`idstation watch`、应用的活动列表）

watch-watching = 正在监视 { $folder }（{ $mode }）
watch-mode-event = 文件事件
watch-mode-poll = 轮询
watch-waiting = { $file }：等待文件写完
watch-imported = { $file }：已导入 { $rows } 行（新登记 { $registered }，更新 { $updated }，无变化 { $unchanged }）→ { $archived }
watch-already-imported = { $file }：相同内容已于 { $when } 以 { $first } 导入，未重复导入 → { $archived }
watch-refused = { $file }：已拒绝，未导入任何内容（{ $rows } 行中有 { $problems } 个问题）；报告：{ $report }
watch-refused-stays = { $file } 无法移动，仍留在文件夹中；文件变化后会再次处理
watch-failed = { $file }：{ $why }（{ $message }），{ $seconds } 秒后重试
watch-failed-later = { $file }：{ $why }（{ $message }），下一个文件到来或下次启动时再试
failure-not-found = 找不到文件或文件夹
failure-permission = 没有访问权限
failure-disk = 读写磁盘出错
failure-watch = 收不到文件夹的变化通知
failure-database = 本机数据库出错
failure-contended = 文件中的仪器在导入期间一再被修改
failure-other = 出错
watch-stopped = 已停止监视
watch-labels = { $file }：已在 { $printer } 打印 { $printed } 张标签，{ $queued } 张等待打印机，{ $failed } 张失败
watch-labels-not-queued = { $file }：各行已导入，但未排队任何标签：{ $message }
watch-started = 正在监视 { $count } 个文件夹；按 Ctrl+C 停止

## 单次导入与文件夹列表

import-file-done = { $file }：已导入 { $rows } 行（新登记 { $registered }，更新 { $updated }，无变化 { $unchanged }）
import-file-again = { $file }：相同内容已于 { $when } 以 { $first } 导入，未重复导入
import-file-refused = { $file }：已拒绝，未导入任何内容（{ $rows } 行中有 { $problems } 个问题）：
hotfolder-none = 尚未设置热文件夹
hotfolder-line = { $action }，{ $mode }{ $labels }
hotfolder-labels = ，标签“{ $template }”打印到 { $printer }
hotfolder-action-register = 登记新仪器
hotfolder-action-update = 更新已登记仪器
hotfolder-saved = 热文件夹设置已保存（{ $count } 个文件夹）；正在运行的监视在下次启动时采用
