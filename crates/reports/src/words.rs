//! Every word the report prints, in Chinese (the annex's wording) and English, and how its
//! numbers are written. One place, so a translation is one file.

use idstation_documents::Language;

use crate::figures::OutageKind;
use crate::input::{EventType, ServiceType};

/// The report's fixed words in one language.
pub struct Words {
    pub title: &'static str,
    pub operator: &'static str,
    pub node: &'static str,
    pub scope: &'static str,
    pub scope_node: &'static str,
    pub scope_enterprise: &'static str,
    pub number: &'static str,
    pub issued: &'static str,
    pub draft: &'static str,
    pub draft_mark: &'static str,
    pub supersedes: &'static str,
    pub s1: &'static str,
    pub s2: &'static str,
    pub s3: &'static str,
    pub s3_1: &'static str,
    pub s3_2: &'static str,
    pub s4: &'static str,
    pub annex: &'static str,
    pub t1: &'static str,
    pub t2: &'static str,
    pub t3: &'static str,
    pub t4: &'static str,
    pub t5: &'static str,
    pub t6: &'static str,
    pub t7: &'static str,
    pub t8: &'static str,
    pub t9: &'static str,
    pub f1: &'static str,
    pub f2: &'static str,
    pub f3: &'static str,
    pub month: &'static str,
    pub average: &'static str,
    pub sla: &'static str,
    pub probe_success: &'static str,
    pub operating_hours: &'static str,
    pub measured_hours: &'static str,
    pub maintenance_hours: &'static str,
    pub downtime_hours: &'static str,
    pub figure: &'static str,
    pub month_avg: &'static str,
    pub max_when: &'static str,
    pub min_when: &'static str,
    pub count: &'static str,
    pub reg_rtt: &'static str,
    pub res_rtt: &'static str,
    pub effective: &'static str,
    pub start: &'static str,
    pub end: &'static str,
    pub content: &'static str,
    pub occurred: &'static str,
    pub recovered: &'static str,
    pub duration: &'static str,
    pub kind: &'static str,
    pub cause: &'static str,
    pub fix: &'static str,
    pub not_recovered: &'static str,
    pub not_recorded: &'static str,
    pub none_maintenance: &'static str,
    pub none_emergency: &'static str,
    pub value: &'static str,
    pub reg_new: &'static str,
    pub reg_total: &'static str,
    pub res_requests: &'static str,
    pub res_successes: &'static str,
    pub res_success_rate: &'static str,
    pub peak_qps: &'static str,
    pub labels_printed: &'static str,
    pub overdue: &'static str,
    pub service: &'static str,
    pub state: &'static str,
    pub orders: &'static str,
    pub returned: &'static str,
    pub turnaround_avg: &'static str,
    pub turnaround_max: &'static str,
    pub date: &'static str,
    pub availability: &'static str,
    pub res_avg_rtt: &'static str,
    pub item: &'static str,
    pub definition: &'static str,
    pub source: &'static str,
    pub axis_day: &'static str,
    pub axis_registrations: &'static str,
    pub axis_resolutions: &'static str,
    pub axis_latency: &'static str,
    pub series_requests: &'static str,
    pub series_successes: &'static str,
    pub series_res_rtt: &'static str,
    pub series_reg_rtt: &'static str,
    pub unit_hours: &'static str,
    pub unit_ms: &'static str,
    pub unit_days: &'static str,
    pub dash: &'static str,
}

pub fn words(lang: Language) -> &'static Words {
    match lang {
        Language::Zh => &ZH,
        Language::En => &EN,
    }
}

static ZH: Words = Words {
    title: "二级节点系统运行月度报告",
    operator: "运营单位",
    node: "节点名称",
    scope: "报告范围",
    scope_node: "全节点",
    scope_enterprise: "企业前缀",
    number: "报告编号",
    issued: "发布日期",
    draft: "草稿（未发布）",
    draft_mark: "草稿",
    supersedes: "本报告替代编号为 {} 的报告，原报告作废。",
    s1: "一、摘要",
    s2: "二、服务运行情况",
    s3: "三、运行维护情况",
    s3_1: "（一）计划维护",
    s3_2: "（二）应急事件",
    s4: "四、业务情况",
    annex: "附：数据来源说明",
    t1: "表1 服务可用性（SLA）",
    t2: "表2 注册、解析响应时间及标识注册生效时间",
    t3: "表3 运行时长",
    t4: "表4 计划维护",
    t5: "表5 应急事件",
    t6: "表6 业务量",
    t7: "表7 订单",
    t8: "表8 每日数据",
    t9: "表9 数据来源说明",
    f1: "图1 每日标识注册量",
    f2: "图2 每日解析量",
    f3: "图3 每日平均响应时间",
    month: "月份",
    average: "平均",
    sla: "SLA（%）",
    probe_success: "拨测成功率（%）",
    operating_hours: "运行时长（小时）",
    measured_hours: "统计时长（小时）",
    maintenance_hours: "计划维护（小时）",
    downtime_hours: "非计划中断（小时）",
    figure: "指标",
    month_avg: "本月平均",
    max_when: "最大值（时间）",
    min_when: "最小值（时间）",
    count: "统计数量",
    reg_rtt: "注册响应时间（毫秒）",
    res_rtt: "解析响应时间（毫秒）",
    effective: "标识注册生效时间（小时）",
    start: "开始时间",
    end: "结束时间",
    content: "维护内容",
    occurred: "发生时间",
    recovered: "恢复时间",
    duration: "时长（小时）",
    kind: "类型",
    cause: "原因",
    fix: "处理措施",
    not_recovered: "未恢复",
    not_recorded: "（未登记）",
    none_maintenance: "本月无计划维护。",
    none_emergency: "本月无应急事件。",
    value: "数值",
    reg_new: "新增标识注册量（个）",
    reg_total: "累计标识注册量（个）",
    res_requests: "标识解析请求量（次）",
    res_successes: "解析成功量（次）",
    res_success_rate: "解析成功率（%）",
    peak_qps: "峰值每秒解析量（时间）",
    labels_printed: "标签打印量（张）",
    overdue: "逾期未校仪器（台）",
    service: "服务类型",
    state: "状态",
    orders: "订单数",
    returned: "本月归还",
    turnaround_avg: "平均周转（天）",
    turnaround_max: "最长周转（天）",
    date: "日期",
    availability: "可用性（%）",
    res_avg_rtt: "解析平均响应（毫秒）",
    item: "指标",
    definition: "定义",
    source: "数据来源",
    axis_day: "日期（日）",
    axis_registrations: "注册量（个）",
    axis_resolutions: "解析量（次）",
    axis_latency: "响应时间（毫秒）",
    series_requests: "解析请求",
    series_successes: "解析成功",
    series_res_rtt: "解析平均响应",
    series_reg_rtt: "注册平均响应",
    unit_hours: "小时",
    unit_ms: "毫秒",
    unit_days: "天",
    dash: "—",
};

static EN: Words = Words {
    title: "Secondary Node Operating Report",
    operator: "Operator",
    node: "Node",
    scope: "Scope",
    scope_node: "whole node",
    scope_enterprise: "enterprise prefix",
    number: "Report No.",
    issued: "Issued",
    draft: "Draft (not issued)",
    draft_mark: "DRAFT",
    supersedes: "This report replaces report {}, which is withdrawn.",
    s1: "1. Summary",
    s2: "2. Service operation",
    s3: "3. Operation and maintenance",
    s3_1: "3.1 Planned maintenance",
    s3_2: "3.2 Emergencies",
    s4: "4. Business figures",
    annex: "Annex: Data sources",
    t1: "Table 1 Service availability (SLA)",
    t2: "Table 2 Registration and resolution response times, registration-to-resolvable time",
    t3: "Table 3 Operating hours",
    t4: "Table 4 Planned maintenance",
    t5: "Table 5 Emergencies",
    t6: "Table 6 Business volume",
    t7: "Table 7 Orders",
    t8: "Table 8 Daily figures",
    t9: "Table 9 Data sources",
    f1: "Figure 1 New registrations per day",
    f2: "Figure 2 Resolutions per day",
    f3: "Figure 3 Average response time per day",
    month: "Month",
    average: "Average",
    sla: "SLA (%)",
    probe_success: "Probe success (%)",
    operating_hours: "Operating hours",
    measured_hours: "Measured hours",
    maintenance_hours: "Planned maintenance (h)",
    downtime_hours: "Unplanned downtime (h)",
    figure: "Figure",
    month_avg: "Month average",
    max_when: "Maximum (time)",
    min_when: "Minimum (time)",
    count: "Count",
    reg_rtt: "Registration RTT (ms)",
    res_rtt: "Resolution RTT (ms)",
    effective: "Registration-to-resolvable time (h)",
    start: "Start",
    end: "End",
    content: "Work done",
    occurred: "Occurred",
    recovered: "Recovered",
    duration: "Duration (h)",
    kind: "Type",
    cause: "Cause",
    fix: "Fix",
    not_recovered: "not recovered",
    not_recorded: "(not recorded)",
    none_maintenance: "No planned maintenance this month.",
    none_emergency: "No emergencies this month.",
    value: "Value",
    reg_new: "New registrations",
    reg_total: "Total registrations",
    res_requests: "Resolution requests",
    res_successes: "Successful resolutions",
    res_success_rate: "Resolution success rate (%)",
    peak_qps: "Peak resolutions per second (time)",
    labels_printed: "Labels printed",
    overdue: "Instruments overdue",
    service: "Service",
    state: "State",
    orders: "Orders",
    returned: "Returned this month",
    turnaround_avg: "Average turnaround (days)",
    turnaround_max: "Longest turnaround (days)",
    date: "Date",
    availability: "Availability (%)",
    res_avg_rtt: "Resolution RTT avg (ms)",
    item: "Figure",
    definition: "Definition",
    source: "Source",
    axis_day: "Day of month",
    axis_registrations: "Registrations",
    axis_resolutions: "Resolutions",
    axis_latency: "Response time (ms)",
    series_requests: "Requests",
    series_successes: "Successes",
    series_res_rtt: "Resolution average",
    series_reg_rtt: "Registration average",
    unit_hours: "h",
    unit_ms: "ms",
    unit_days: "days",
    dash: "—",
};

pub fn service(lang: Language, s: ServiceType) -> &'static str {
    match (lang, s) {
        (Language::Zh, ServiceType::Calibration) => "校准",
        (Language::Zh, ServiceType::Verification) => "检定",
        (Language::Zh, ServiceType::Repair) => "维修",
        (Language::Zh, ServiceType::Maintenance) => "保养",
        (Language::En, ServiceType::Calibration) => "Calibration",
        (Language::En, ServiceType::Verification) => "Verification",
        (Language::En, ServiceType::Repair) => "Repair",
        (Language::En, ServiceType::Maintenance) => "Maintenance",
    }
}

/// An order state's name; an unknown key is printed as it is.
pub fn order_state(lang: Language, key: &str) -> String {
    let (zh, en) = match key {
        "submitted" => ("已提交", "Submitted"),
        "accepted" => ("已受理", "Accepted"),
        "rejected" => ("已拒绝", "Rejected"),
        "received" => ("已接收", "Received"),
        "in_progress" => ("进行中", "In progress"),
        "diagnosis" => ("诊断中", "Diagnosis"),
        "quoted" => ("已报价", "Quoted"),
        "quote_accepted" => ("报价已接受", "Quote accepted"),
        "quote_declined" => ("报价被拒绝", "Quote declined"),
        "repaired" => ("已修复", "Repaired"),
        "awaiting_review" => ("待审核", "Awaiting review"),
        "approved" => ("已批准", "Approved"),
        "certificate_issued" => ("已出证", "Certificate issued"),
        "returned" => ("已归还", "Returned"),
        "cancelled" => ("已取消", "Cancelled"),
        other => (other, other),
    };
    match lang {
        Language::Zh => zh,
        Language::En => en,
    }
    .to_string()
}

pub fn event_type(lang: Language, k: EventType) -> &'static str {
    match (lang, k) {
        (Language::Zh, EventType::Network) => "1 网络故障",
        (Language::Zh, EventType::System) => "2 系统错误",
        (Language::Zh, EventType::Attack) => "3 网络攻击",
        (Language::Zh, EventType::Other) => "4 其他",
        (Language::En, EventType::Network) => "1 network fault",
        (Language::En, EventType::System) => "2 system error",
        (Language::En, EventType::Attack) => "3 attack",
        (Language::En, EventType::Other) => "4 other",
    }
}

pub fn outage_kind(lang: Language, k: OutageKind) -> &'static str {
    match (lang, k) {
        (Language::Zh, OutageKind::Crash) => "异常中断（自最后一次心跳起计）",
        (Language::Zh, OutageKind::Stop) => "非维护期停机",
        (Language::Zh, OutageKind::Continuing) => "延续自上一统计期",
        (Language::En, OutageKind::Crash) => "crash (from the last heartbeat)",
        (Language::En, OutageKind::Stop) => "stopped outside maintenance",
        (Language::En, OutageKind::Continuing) => "continuing from the previous period",
    }
}

/// The annex's data-sources table: (figure, definition, source).
pub fn definitions(lang: Language, business: bool) -> Vec<[&'static str; 3]> {
    let mut v: Vec<[&'static str; 3]> = match lang {
        Language::Zh => vec![
            ["服务可用性（SLA）", "统计周期（北京时间自然月）内，节点运行时间占应服务时间的百分比：SLA = 运行时间 ÷（统计时长 － 已申报计划维护时长）× 100%。运行时间以节点心跳判定：正常停止按停止时刻计；异常中断（崩溃、断电）自最后一次心跳起计为中断，至重新启动止。节点投入服务前及数据截止时刻后的时间不计入统计时长。六个月平均值为有数据月份的算术平均。", "节点心跳记录（每 10 秒）、启停记录、计划维护申报"],
            ["拨测成功率", "节点内置探针每分钟解析一个已知标识，成功次数占探测次数的百分比，与 SLA 互为印证。", "节点内置探针记录"],
            ["运行时长", "统计周期内节点处于运行状态的累计小时数（计划维护期间节点仍在运行的时间计入）。", "节点心跳与启停记录"],
            ["注册响应时间", "节点自收到标识注册请求至完成注册的时间（毫秒）。月平均值按每日请求数加权，即当月全部注册请求的平均值；最大、最小值注明发生时刻。", "节点逐日监测数据"],
            ["解析响应时间", "节点自收到标识解析请求至返回结果的时间（毫秒），平均、最大、最小值的计算同注册响应时间。", "节点逐日监测数据"],
            ["标识注册生效时间", "标识自通过审核至可被解析的时间（小时）：工作站登记的标识自登记（审核通过）至同步到节点；经 Handle 接口注册的标识写入即生效，计 0。月平均值为当月生效的全部标识的平均值。", "节点逐条注册记录"],
            ["标识注册量", "当月新增注册的标识数（含工作站同步注册与 Handle 接口注册）；累计注册量为当月最后一个有数据日末的累计数。", "节点逐日统计"],
            ["解析请求量、成功量", "对本范围标识的解析请求次数及成功返回次数（扫码访问、Handle 接口读取、GS1 数字链接），不含同步、监控等其他请求。", "节点逐日统计"],
            ["峰值每秒解析量", "当月单秒解析请求数的最大值及其发生时刻。", "节点逐日监测数据"],
            ["应急事件", "运维人员填报的事件（发生、恢复时刻，原因，处置）；另列出未被填报覆盖的非计划中断，以及节点检测到的攻击（同一地址 1 分钟内 20 次以上被拒绝的请求，至全部来源安静 1 分钟止；企业报告仅列针对本企业标识的攻击），其原因、处置注“未登记”，待人工补填。", "事件填报、启停记录、节点事件记录"],
        ],
        Language::En => vec![
            ["Service availability (SLA)", "Within the period (a calendar month in Beijing time), the node's running time as a share of the time it was due to serve: SLA = running time / (period length - declared planned maintenance) x 100%. Running time comes from the node's heartbeat: a clean stop counts from the stop; a crash or power loss counts as down from the last heartbeat until the restart. Time before the node entered service and after the figures were taken is not part of the period. The six-month average is the mean of the months that have a value.", "Node heartbeats (every 10 s), start/stop records, declared maintenance"],
            ["Probe success", "An in-process probe resolves a known identifier every minute; the share of probes that succeeded, corroborating the SLA.", "Node probe records"],
            ["Operating hours", "Hours within the period during which the node was running (including time it ran during planned maintenance).", "Node heartbeats and start/stop records"],
            ["Registration RTT", "Time from the node receiving a registration request to completing it (ms). The month average weights each day by its requests, i.e. it is the mean over all the month's requests; maximum and minimum with when they occurred.", "Node daily monitoring figures"],
            ["Resolution RTT", "Time from the node receiving a resolution request to answering it (ms); averages as for registration.", "Node daily monitoring figures"],
            ["Registration-to-resolvable time", "Time from an identifier passing review to it being resolvable (hours): a workstation's registration from being registered there (its review) to reaching the node by sync; one through the Handle API is resolvable as it is written (0). The month average is over every identifier that became resolvable in the month.", "Node per-registration records"],
            ["Registrations", "Identifiers newly registered in the month (through workstation sync and the Handle API); the total is at the end of the month's last day with figures.", "Node daily statistics"],
            ["Resolution requests and successes", "Resolution requests for identifiers in scope and successful answers (phone scans, Handle API reads, GS1 Digital Link); sync, monitoring and other requests are not counted.", "Node daily statistics"],
            ["Peak resolutions per second", "The highest number of resolution requests in one second in the month, and when.", "Node daily monitoring figures"],
            ["Emergencies", "Events written up by the operator (start, recovery, cause, fix); also any unplanned downtime and any attack the node detected (20+ refused requests from one address within a minute, until every source has been quiet for a minute; an enterprise's report lists attacks on its own identifiers only) that no write-up covers, their cause and fix marked not recorded until someone writes them up.", "Incident write-ups, start/stop records, node event records"],
        ],
    };
    if business {
        v.push(match lang {
            Language::Zh => ["订单、周转时间", "月末按服务类型和状态统计的订单数；周转时间为当月归还的订单自接收至归还的天数。标签打印量为当月打印的标签张数；逾期未校仪器为月末已过校准有效期的仪器台数。", "工作站订单、打印记录与仪器台账"],
            Language::En => ["Orders, turnaround", "Orders by service type and state at the end of the month; turnaround is the days from receipt to return of the orders returned in the month. Labels printed in the month; instruments past their calibration due date at the end of the month.", "Workstation orders, print history and instrument register"],
        });
    }
    v.push(match lang {
        Language::Zh => [
            "时间",
            "全部时间为北京时间（UTC+8）；日、月按北京时间划分。",
            "—",
        ],
        Language::En => [
            "Time",
            "All times are Beijing time (UTC+8); days and months are Beijing days and months.",
            "—",
        ],
    });
    v
}

/// `1,234,567`
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A percentage to three decimals (SLA), without rounding 99.9996 up to a misleading 100.000.
pub fn pct(v: f64) -> String {
    let floored = (v * 1000.0).floor() / 1000.0;
    format!("{floored:.3}")
}

pub fn fixed(v: f64, decimals: usize) -> String {
    format!("{v:.decimals$}")
}

/// A compact axis label: 120万 / 1.2M, one unit for the whole axis (chosen from its top).
pub fn axis_count(lang: Language, v: f64, top: f64) -> String {
    let t = top.abs();
    if v == 0.0 {
        return "0".into();
    }
    match lang {
        Language::Zh if t >= 100_000_000.0 => format!("{}亿", trim(v / 100_000_000.0)),
        Language::Zh if t >= 100_000.0 => format!("{}万", trim(v / 10_000.0)),
        Language::En if t >= 1_000_000.0 => format!("{}M", trim(v / 1_000_000.0)),
        Language::En if t >= 10_000.0 => format!("{}k", trim(v / 1_000.0)),
        _ => trim(v),
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_for_people() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(pct(99.99962), "99.999");
        assert_eq!(pct(100.0), "100.000");
        assert_eq!(axis_count(Language::Zh, 1_200_000.0, 2e6), "120万");
        assert_eq!(axis_count(Language::Zh, 50_000.0, 2e6), "5万");
        assert_eq!(axis_count(Language::Zh, 0.0, 2e6), "0");
        assert_eq!(axis_count(Language::En, 1_200_000.0, 2e6), "1.2M");
        assert_eq!(axis_count(Language::Zh, 500.0, 9e3), "500");
        assert_eq!(axis_count(Language::Zh, 10_000.0, 1.1e4), "10000");
    }
}
