# 错误信息：标识、字段、数据库、导入、审计链、工作站。
# Error messages: identifiers, fields, the database, imports, the audit chain, the workstation.
# Every key here is in ../en/errors.ftl too, with the same $arguments (a test checks).

## Identifiers (idstation_model::IdentifierError)

id-empty = 标识为空
id-too-long = 标识长 { $len } 字节，最多 { $max } 字节
id-unrecognised = 无法识别的标识。可接受：Handle 标识（如 88.118.8/ABC-123、hdl:88.118.8/ABC-123 或解析地址 https://…/88.118.8/ABC-123）、GS1 数字链接（/01/<GTIN>/21/<序列号> 或 /8004/<GIAI>）、GS1 元素串（(01)…(21)…）、oid:、did:、ecode:、bid:、vaa:
id-unknown-code-type = 未知的编码类型“{ $name }”，应为 Handle、OID、DID、BID、VAA、Ecode 或 GS1
id-not-a-handle = 需要 Handle 标识，但这是 { $found } 标识
id-invalid-prefix = 前缀“{ $prefix }”无效：应为 88 开头、以点分隔的数字段（如 88.118.8），最长 64 字节
id-missing-suffix = 标识缺少后缀，应为 前缀/后缀，如 88.118.8/ABC-123
id-suffix-too-long = 标识后缀长 { $len } 字节，最多 { $max } 字节
id-suffix-control-character = 标识后缀含控制字符 { $ch }
id-suffix-whitespace = 标识后缀首尾不能有空白
id-invalid-url = 网址格式错误
id-url-path = 网址中既没有 Handle 标识（88.x/…），也没有 GS1 编码（/01/… 或 /8004/…）
id-percent-encoding = 网址中的百分号编码无效
id-gtin-length = GTIN 为 { $len } 位，应为 8、12、13 或 14 位
id-gtin-not-numeric = GTIN 只能由数字组成
id-gtin-check-digit = GTIN 校验位为 { $found }，应为 { $expected }
id-gs1-missing-serial = GS1 编码只有 GTIN，缺少序列号（AI 21）；仪器需要序列号
id-gs1-invalid-serial = GS1 序列号（AI 21）应为 1 至 20 个 GS1 字符集 82 中的字符
id-gs1-invalid-giai = GIAI（AI 8004）应为 1 至 30 个 GS1 字符集 82 中的字符
id-gs1-unsupported-ai = 不支持或位置错误的 GS1 应用标识符（{ $ai }）
id-gs1-missing-value = GS1 应用标识符（{ $ai }）没有值
id-gs1-duplicate-ai = GS1 应用标识符（{ $ai }）重复出现
id-invalid-oid = OID 无效：应为 0、1 或 2 开头、至少两段、以点分隔的十进制数
id-invalid-did = DID 无效：应为 did:<方法>:<标识>，方法名为小写
id-invalid-ecode = Ecode 无效：应为 1 至 32 个 0-9 或 A-Z 字符
id-invalid-bid = BID 无效：应为 1 至 128 个无空格的可打印 ASCII 字符
id-invalid-vaa = VAA 无效：应为 1 至 128 个无空格的可打印 ASCII 字符

## Fields (idstation_model::FieldError): "<field>: <problem>"

field-error = { $field }: { $problem }
field-required = 必填
field-too-long = 太长（{ $actual } 个字符，最多 { $max } 个）
field-invalid-date = “{ $value }”不是有效日期（格式 YYYY-MM-DD）
field-invalid-number = “{ $value }”不是有效数字
field-invalid-boolean = “{ $value }”应为 是/否
field-unknown-status = 未知状态“{ $value }”，可选：在用、准用、停用、报废
field-unknown-result = 未知结论“{ $value }”，可选：合格、准用、停用
field-due-before-last = 下次校准日期早于校准日期
field-not-in-template = 不是元数据模板 { $template } 中的字段
field-control-character = 含有控制字符
field-foreign-prefix = 不属于本企业前缀 { $expected }

## The workstation's database (idstation_store::StoreError)

store-not-initialised = { $path } 处没有工作站数据库，请先运行 `idstation init --prefix <企业前缀>`
store-already-initialised = { $path } 处已有工作站数据库
store-not-found = 未找到仪器 { $id }
store-already-exists = 仪器 { $id } 已登记
store-deleted = 仪器 { $id } 已删除；如需恢复请运行 `idstation instrument undelete { $id }`
store-not-deleted = 仪器 { $id } 未被删除
store-version-conflict = 仪器 { $id } 已被他人修改（期望版本 { $expected }，当前版本 { $actual }），请刷新后重试
store-identifier-immutable = 仪器标识不能修改（{ $id }）
store-backup-invalid = 备份文件 { $path } 不可用：{ $reason }
store-file-exists = { $path } 已存在，请换一个文件名
store-corrupt = 数据库已损坏：{ $detail }
store-sqlite = 数据库错误：{ $detail }
store-migration = 数据库升级失败：{ $detail }
store-json = 存储的数据无法读取：{ $detail }
store-io = 文件错误：{ $detail }
store-no-lease = 没有可用的预分配标识：请联网同步一次以领取新号段，或手工输入标识
store-conflict-resolved = 冲突 { $id } 已处理
store-template-not-found = 没有名为 “{ $name }” 的标签模板
store-printer-not-found = 没有名为 “{ $name }” 的打印机；用 `idstation printer add` 添加
store-job-not-found = 没有编号为 { $name } 的打印任务
store-printer-exists = 已有名为 “{ $name }” 的打印机
store-job-state = 打印任务 { $id } 当前为“{ $state }”，不能执行此操作

## Import files

import-rejected = { $file } 中有 { $total } 行有误，整个文件未导入（前 { $shown } 行）：
import-line = 第 { $line } 行
import-malformed = 格式错误：{ $detail }
import-duplicate = 标识与第 { $line } 行重复
import-already-registered = 仪器 { $id } 已登记
import-unknown-column = 未知列“{ $column }”
import-bad-encoding = 第 { $offset } 字节起不是有效的 { $encoding } 文本（文件可能已损坏，或用了其他编码）；请用 Excel 另存为“CSV UTF-8”后再导入

## The audit chain

audit-gap = 审计记录缺失：应为第 { $expected } 条，却是第 { $found } 条（有记录被删除）
audit-broken-link = 第 { $seq } 条审计记录与前一条的链接断开
audit-tampered = 第 { $seq } 条审计记录的内容与其哈希不符（已被篡改）
audit-head-mismatch = 审计链头记录为第 { $head } 条，实际最后一条为第 { $last } 条（末尾记录被删除或链头被改）
audit-op-tampered = 第 { $seq } 条审计记录对应的操作内容缺失或与其哈希不符（已被篡改）

## The workstation's own errors (WsError)

ws-invalid-input = 输入有误，未保存：
ws-invalid-identifier = 标识无效: { $problem }
ws-unknown-field = 未知字段“{ $key }”。可用字段：{ $known }，模板字段用 attr.<名称>
ws-unsupported-file = 不支持的文件类型：{ $path }（支持 .csv 和 .jsonl）
ws-io = 无法读写 { $path }：{ $error }
ws-invalid-prefix = 企业前缀“{ $prefix }”无效：应为 88 开头、以点分隔的数字段，如 88.118.8
ws-printer-not-ready = 打印机 { $name } 未就绪：{ $status }
ws-invalid-printer = 打印机配置有误，未保存：{ $problems }
ws-unknown-template = 没有名为 “{ $name }” 的标签模板（内置：identifier、cal-pass、cal-restricted、cal-fail）
ws-not-a-printer-port = “{ $value }” 不是打印机端口。本程序只向网络打印机（tcp://主机:9100）、CUPS 队列（cups://队列名）和打印机端口（如 /dev/usb/lp0、/dev/ttyUSB0、COM3、LPT1）发送标签，不写入普通文件
ws-path-not-chosen = “{ $path }” 不是在文件对话框中选择的；请用“选择…”按钮选择
ws-invalid-setting = 设置 { $key } 的值 “{ $value }” 无效
ws-reason-required = 补打必须填写原因
ws-merged-value-empty = 请填写合并后的值，或选择保留某一方的值；未作任何修改
ws-in-batch = { $id } 的标签：{ $error }（整批未加入队列）

## Lists inside a message: "a、b、c"; clauses: "a，b"

list-separator = 、
clause-separator = ，
ws-unknown-scan = 扫描到的“{ $text }”不是标识，本机也没有以它为资产编号、出厂编号或标识后缀的仪器。请扫描仪器标签上的二维码，或在仪器列表中搜索。
