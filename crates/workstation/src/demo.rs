//! Realistic demo instruments: what a Chinese calibration lab's registry looks like. Used for the
//! demo data folder and as benchmark data, so it is deterministic for a given seed.

use chrono::{Duration, NaiveDate};
use idstation_model::InstrumentInput;

use crate::{Result, Workstation, WsError};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// (name, category, typical models, measuring range, accuracy, resolution)
type Kind = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
    &'static str,
);

const KINDS: &[Kind] = &[
    (
        "数显卡尺",
        "长度",
        &["500-196-30", "111-101-40G", "DC-150"],
        "0-150mm",
        "±0.02mm",
        "0.01mm",
    ),
    (
        "游标卡尺",
        "长度",
        &["530-312", "111-100"],
        "0-200mm",
        "±0.03mm",
        "0.02mm",
    ),
    (
        "外径千分尺",
        "长度",
        &["293-240-30", "211-101"],
        "0-25mm",
        "±2μm",
        "0.001mm",
    ),
    (
        "百分表",
        "长度",
        &["2046S", "YB-10"],
        "0-10mm",
        "±0.013mm",
        "0.01mm",
    ),
    (
        "数字多用表",
        "电学",
        &["DMM-6500", "34465A", "Fluke 87V"],
        "0-1000V",
        "0.0025%",
        "6½位",
    ),
    (
        "兆欧表",
        "电学",
        &["ZC-7", "MIT420"],
        "0-1000MΩ",
        "±5%",
        "0.01MΩ",
    ),
    (
        "电能表",
        "电学",
        &["DDSD1352", "DTSD341"],
        "3×220V 1.5(6)A",
        "0.5S级",
        "0.01kWh",
    ),
    (
        "示波器",
        "无线电",
        &["DSOX1204G", "MDO34", "RTB2004"],
        "200MHz",
        "±3%",
        "8bit",
    ),
    (
        "信号发生器",
        "无线电",
        &["33500B", "DG4162"],
        "1μHz-160MHz",
        "±1ppm",
        "1μHz",
    ),
    (
        "电子天平",
        "质量",
        &["BSA224S", "ME204", "FA2004"],
        "0-220g",
        "I级",
        "0.1mg",
    ),
    (
        "砝码",
        "质量",
        &["F1-500g", "E2-1kg"],
        "1mg-500g",
        "F1级",
        "-",
    ),
    (
        "压力表",
        "压力",
        &["Y-100", "YTN-60"],
        "0-1.6MPa",
        "1.6级",
        "0.02MPa",
    ),
    (
        "压力变送器",
        "压力",
        &["3051TG", "EJA530E"],
        "0-10MPa",
        "±0.075%",
        "0.001MPa",
    ),
    (
        "数字温度计",
        "温度",
        &["TM-902C", "Fluke 1524"],
        "-50-300℃",
        "±0.1℃",
        "0.01℃",
    ),
    (
        "热电偶",
        "温度",
        &["K型 WRN-130", "S型 WRP-100"],
        "0-1300℃",
        "Ⅱ级",
        "-",
    ),
    (
        "温湿度计",
        "温度",
        &["TH-30", "175-H1"],
        "-20-60℃ 0-100%RH",
        "±0.5℃ ±3%RH",
        "0.1℃",
    ),
    (
        "扭矩扳手",
        "力学",
        &["QSP25N3", "TOHNICHI 50QL"],
        "5-25N·m",
        "±3%",
        "0.05N·m",
    ),
    (
        "声级计",
        "声学",
        &["AWA5688", "HS5633"],
        "28-133dB",
        "2级",
        "0.1dB",
    ),
    (
        "流量计",
        "流量",
        &["LDG-50", "MF5712"],
        "0.5-10m³/h",
        "0.5级",
        "0.001m³/h",
    ),
    (
        "洛氏硬度计",
        "力学",
        &["HR-150A", "HRS-150"],
        "20-70HRC",
        "±1.5HRC",
        "0.1HRC",
    ),
];

const MANUFACTURERS: &[&str] = &[
    "三丰",
    "广陆数测",
    "哈量",
    "福禄克",
    "是德科技",
    "泰克",
    "梅特勒-托利多",
    "赛多利斯",
    "横河电机",
    "艾默生",
    "上海仪表",
    "成量",
    "普源精电",
    "杭州爱华",
    "西安东风仪表",
];

const OWNERS: &[&str] = &[
    "上海华东精密机械有限公司",
    "苏州新材料科技股份有限公司",
    "杭州汽车零部件有限公司",
    "南京电力设备厂",
    "无锡半导体制造有限公司",
    "宁波模具有限公司",
    "合肥家电集团",
    "常州轨道交通装备有限公司",
    "本实验室",
    "嘉兴化工有限公司",
];

const LOCATIONS: &[&str] = &[
    "一车间",
    "二车间",
    "计量室",
    "质检部",
    "来料检验区",
    "电气实验室",
    "天平室",
    "仓库A区",
];

const PEOPLE: &[&str] = &[
    "张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇",
];

/// `count` instruments under `prefix`, identifiers `{prefix}/CAL-{year}-{n:06}` from `start`.
pub fn instruments(prefix: &str, start: usize, count: usize, seed: u64) -> Vec<InstrumentInput> {
    let mut rng = StdRng::seed_from_u64(seed);
    let today = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
    (start..start + count)
        .map(|n| one(&mut rng, prefix, n, today))
        .collect()
}

fn pick<'a, T: ?Sized>(rng: &mut StdRng, items: &'a [&'a T]) -> &'a T {
    items[rng.gen_range(0..items.len())]
}

fn one(rng: &mut StdRng, prefix: &str, n: usize, today: NaiveDate) -> InstrumentInput {
    let (name, category, models, range, accuracy, resolution) =
        KINDS[rng.gen_range(0..KINDS.len())];
    let interval = *[6u32, 12, 12, 12, 24]
        .get(rng.gen_range(0..5))
        .unwrap_or(&12);
    // Most instruments were calibrated within their interval; about one in ten is overdue and
    // a few are due within the month, as in a well-run lab.
    let interval_days = i64::from(interval) * 30;
    let last = today - Duration::days(rng.gen_range(0..interval_days + interval_days / 8));
    let roll: u32 = rng.gen_range(0..100);
    let (status, result) = match roll {
        0..=84 => ("in_use", "pass"),
        85..=92 => ("restricted", "restricted"),
        93..=97 => ("stopped", "fail"),
        _ => ("scrapped", "fail"),
    };
    let year = 2020 + (n % 7);
    InstrumentInput {
        identifier: Some(format!("{prefix}/CAL-{year}-{n:06}")),
        asset_no: Some(format!("ZC-{:05}", n % 100_000)),
        name: Some(name.to_string()),
        category: Some(category.to_string()),
        manufacturer: Some(pick(rng, MANUFACTURERS).to_string()),
        model: Some(pick(rng, models).to_string()),
        serial_no: Some(format!("SN{:08}", rng.gen_range(0..100_000_000u32))),
        measuring_range: Some(range.to_string()),
        accuracy: Some(accuracy.to_string()),
        resolution: Some(resolution.to_string()),
        owner: Some(pick(rng, OWNERS).to_string()),
        location: Some(pick(rng, LOCATIONS).to_string()),
        status: Some(status.to_string()),
        cal_last_date: Some(last.format("%Y-%m-%d").to_string()),
        cal_interval_months: Some(interval.to_string()),
        cal_next_due: None,
        cal_certificate_no: Some(format!("JZ{}-{:06}", last.format("%Y"), n)),
        cal_result: Some(result.to_string()),
        cal_calibrated_by: Some(pick(rng, PEOPLE).to_string()),
        cal_approved_by: Some(pick(rng, PEOPLE).to_string()),
        attributes: Default::default(),
    }
}

impl Workstation {
    /// Fills a workstation that has no instruments yet with `count` demo ones under its prefix,
    /// in one transaction; one that has instruments is left as it is. Returns how many it added.
    pub fn seed_demo(
        &mut self,
        count: usize,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<usize> {
        if self.store.count_instruments()? > 0 {
            return Ok(0);
        }
        let prefix = self.store.device().prefix.clone();
        let valid = instruments(&prefix, 1, count, 2026)
            .iter()
            .map(|input| self.validate(input).map_err(WsError::Invalid))
            .collect::<Result<Vec<_>>>()?;
        self.import_instruments(&valid, progress)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use idstation_model::MetadataTemplate;

    #[test]
    fn demo_instruments_are_valid_distinct_and_deterministic() {
        let t = MetadataTemplate::builtin_instrument();
        let a = instruments("88.118.8", 0, 500, 7);
        assert_eq!(a, instruments("88.118.8", 0, 500, 7));
        let mut ids = std::collections::BTreeSet::new();
        for input in &a {
            let inst = input.validate(&t).expect("demo data is valid");
            assert!(ids.insert(inst.identifier.to_string()));
        }
    }
}
