# 标签与打印：标签错误、打印机与打印任务。
# Labels and printing: label errors, printers and print jobs.

## Labels (idstation_labels::LabelError)

label-missing-fields = 标签缺少以下内容，未打印：{ $fields }
label-invalid-template = 标签模板无效：{ $detail }
label-unsupported-dpi = 不支持的打印分辨率 { $dpi } dpi（可选 203、300、600）
label-qr-too-small = 二维码在 { $size } mm、{ $dpi } dpi 下放不下（{ $modules } 个模块），请加大二维码尺寸
label-qr-data = 二维码无法容纳这些内容：{ $detail }
label-barcode-data = 条码无法编码 “{ $value }”（Code 128 只能用 ASCII 字符）
label-barcode-too-wide = 条码 “{ $value }” 超出了它的区域
label-qr-outside = 二维码超出了标签边缘（标签 { $width } × { $height } mm），被裁切的二维码无法扫描，请把它移到标签内
label-barcode-outside = 条码超出了标签边缘（标签 { $width } × { $height } mm），被裁切的条码无法扫描，请把它移到标签内
label-image = 徽标图片无法读取：{ $detail }
label-pdf = 无法生成 PDF：{ $detail }
label-png = 无法生成 PNG：{ $detail }
label-font = 内置字体无法读取
# The 准用 label's permitted ranges, as a label field.
label-field-restriction = 准用范围(--restriction)

## Printers (idstation_labels::TransportError, PrinterStatus)

printer-offline = 打印机 { $printer } 离线或故障（无应答）
printer-reports = 打印机报告：{ $flags }
printer-refused = 打印队列拒绝了任务：{ $detail }
printer-io = 与打印机通信失败：{ $detail }
printer-no-cups = 未安装 CUPS 命令（lp）：{ $detail }
printer-ready = 就绪
printer-no-answer = 离线或故障（超时无应答）
printer-error = 故障：{ $flags }

## What a printer says about itself (stable flag names)

flag-paper-out = 缺纸
flag-paused = 已暂停
flag-head-open = 打印头打开
flag-ribbon-out = 碳带用完
flag-buffer-full = 接收缓冲区满
flag-corrupt-ram = 内存损坏
flag-under-temperature = 打印头温度过低
flag-over-temperature = 打印头过热
flag-paper-jam = 卡纸
flag-other-error = 其他错误
flag-queue-disabled = 队列已停用

## Print jobs: their states, and the notes the queue writes on them (stored, read later)

job-queued = 排队中
job-sending = 发送中
job-done = 已打印
job-failed = 失败
job-cancelled = 已取消
job-note-printer-removed = 打印机已删除
job-note-interrupted = 发送中断：打印机可能已打印。请先查看打印机，再决定重试或取消
