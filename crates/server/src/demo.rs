//! The demo: a platform admin, three shops with owners, two staff of shop1 (with and
//! without `reveal`), two factories (owners, and staff of factory1), 20,000 / 8,000 / 5,000
//! realistic orders per shop over the last 60 days with a daily rhythm, pushed through the
//! real ingest path, their past reveals, prints and shipments ([`crate::demo_history`]), and
//! the factories bound to shops with assigned orders. Idempotent: users are created once, and
//! a shop that already has its orders and history is left alone.

use orderveil_api::{IngestOrder, Item, OrderStatus, ReceiverIn};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::auth::hash_password;
use crate::clock::rfc3339;
use crate::error::{AppError, AppResult};
use crate::ingest::{MAX_BATCH, ingest};
use crate::state::AppState;
use crate::store;

/// Orders seeded per shop (shop1, shop2, shop3), over the last 60 days.
pub const ORDERS_PER_SHOP: [usize; 3] = [20_000, 8_000, 5_000];
/// Password of every demo user.
pub const PASSWORD: &str = "demo1234";

/// A demo login: (user, role, shop, factory, permissions, what it is for).
pub type DemoUser = (&'static str, &'static str, Option<&'static str>, Option<&'static str>, &'static str, &'static str);

/// The demo logins.
pub const USERS: &[DemoUser] = &[
    ("admin", "admin", None, None, "", "platform admin"),
    ("shop1", "owner", Some("shop1"), None, "", "owner of shop1 (all permissions)"),
    ("shop2", "owner", Some("shop2"), None, "", "owner of shop2"),
    ("shop3", "owner", Some("shop3"), None, "", "owner of shop3"),
    ("shop1-ops", "staff", Some("shop1"), None, "view,reveal,print,ship,export", "shop1 staff with reveal"),
    ("shop1-staff", "staff", Some("shop1"), None, "view,ship", "shop1 staff without reveal"),
    ("factory1", "factory", None, Some("factory1"), "", "owner of dropshipping factory1 (bound to shop1)"),
    ("factory1-ops", "factory_staff", None, Some("factory1"), "print,ship", "factory1 staff (print, ship)"),
    ("factory2", "factory", None, Some("factory2"), "", "owner of factory2 (bound to shop2, invited by shop1)"),
];

const FACTORIES: &[(&str, &str)] = &[("factory1", "义乌好货代发工厂"), ("factory2", "广州白云云仓代发")];

const SHOPS: &[(&str, &str)] = &[("shop1", "杭州小鹿家居旗舰店"), ("shop2", "成都川味零食铺"), ("shop3", "深圳极客数码专营店")];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐",
    "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚",
    "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏", "韦", "方", "白", "邹", "孟", "熊", "秦", "欧阳", "司马", "诸葛", "上官",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "晓东",
    "子涵", "浩然", "欣怡", "梓轩", "雨桐", "一诺", "思远", "佳怡", "俊杰", "婷", "雪", "琳", "宇航", "晨曦", "文博", "海燕", "志强", "春梅", "国庆",
];
const MINORITY: &[&str] = &["迪丽热巴·迪力木拉提", "阿卜杜·热合曼", "买买提·艾力", "古丽娜扎·阿不都", "扎西·多吉", "巴特尔·额尔敦"];

/// (province, city, districts)
const PLACES: &[(&str, &str, &[&str])] = &[
    ("北京市", "", &["朝阳区", "海淀区", "东城区", "丰台区", "通州区"]),
    ("上海市", "", &["浦东新区", "徐汇区", "静安区", "闵行区", "杨浦区"]),
    ("天津市", "", &["和平区", "南开区", "滨海新区"]),
    ("重庆市", "", &["渝中区", "江北区", "九龙坡区", "万州区"]),
    ("浙江省", "杭州市", &["西湖区", "上城区", "滨江区", "余杭区"]),
    ("浙江省", "宁波市", &["鄞州区", "海曙区"]),
    ("浙江省", "金华市", &["义乌市", "婺城区"]),
    ("江苏省", "南京市", &["鼓楼区", "玄武区", "江宁区"]),
    ("江苏省", "苏州市", &["姑苏区", "工业园区", "昆山市"]),
    ("广东省", "广州市", &["天河区", "越秀区", "番禺区"]),
    ("广东省", "深圳市", &["南山区", "福田区", "宝安区", "龙岗区"]),
    ("四川省", "成都市", &["武侯区", "锦江区", "高新区", "双流区"]),
    ("湖北省", "武汉市", &["武昌区", "洪山区", "江汉区"]),
    ("湖南省", "长沙市", &["岳麓区", "芙蓉区", "天心区"]),
    ("山东省", "青岛市", &["市南区", "崂山区", "黄岛区"]),
    ("河南省", "郑州市", &["金水区", "二七区", "中原区"]),
    ("福建省", "厦门市", &["思明区", "湖里区"]),
    ("陕西省", "西安市", &["雁塔区", "碑林区", "未央区"]),
    ("辽宁省", "沈阳市", &["和平区", "沈河区"]),
    ("黑龙江省", "哈尔滨市", &["南岗区", "道里区"]),
    ("云南省", "昆明市", &["五华区", "盘龙区"]),
    ("广西壮族自治区", "南宁市", &["青秀区", "兴宁区"]),
    ("新疆维吾尔自治区", "乌鲁木齐市", &["天山区", "沙依巴克区"]),
    ("内蒙古自治区", "呼和浩特市", &["新城区", "赛罕区"]),
    ("宁夏回族自治区", "银川市", &["兴庆区", "金凤区"]),
    ("西藏自治区", "拉萨市", &["城关区", "堆龙德庆区"]),
    ("吉林省", "延边朝鲜族自治州", &["延吉市", "珲春市"]),
];
const STREETS: &[&str] = &["人民路", "解放路", "中山路", "建设路", "文三路", "长江路", "和平街", "幸福大道", "科技园路", "新华街", "学院路", "滨江大道", "光明巷"];
const PLACES_DETAIL: &[&str] = &["阳光小区", "金色家园", "华府花园", "绿城桂花园", "万科城", "保利天悦", "龙湖春江郦城", "碧桂园", "世纪花园", "创新大厦"];
const PRODUCTS: &[(&str, i64)] = &[
    ("北欧实木餐椅", 32_900),
    ("乳胶枕头（一对）", 15_800),
    ("全棉四件套 1.8m", 26_900),
    ("麻辣牛肉干 500g", 4_990),
    ("手工红糖糍粑", 2_990),
    ("冷吃兔 250g", 3_880),
    ("蓝牙降噪耳机", 59_900),
    ("65W 氮化镓充电器", 12_900),
    ("机械键盘 红轴", 39_900),
    ("Type-C 数据线 2 米", 2_900),
];
const MOBILE_PREFIXES: &[&str] = &["138", "139", "135", "136", "137", "150", "151", "152", "157", "158", "159", "182", "183", "187", "188", "130", "131", "132", "155", "156", "185", "186", "133", "153", "177", "180", "181", "189", "199", "191"];

fn pick<'a, T>(rng: &mut StdRng, xs: &'a [T]) -> &'a T {
    &xs[rng.random_range(0..xs.len())]
}

fn name(rng: &mut StdRng) -> String {
    if rng.random_range(0..100) < 3 {
        return (*pick(rng, MINORITY)).to_string();
    }
    let mut n = (*pick(rng, SURNAMES)).to_string();
    n.push_str(pick::<&str>(rng, GIVEN));
    if rng.random_range(0..100) < 30 {
        n.push_str(pick::<&str>(rng, GIVEN));
    }
    n
}

fn phone(rng: &mut StdRng) -> String {
    format!("{}{:08}", pick(rng, MOBILE_PREFIXES), rng.random_range(0..100_000_000u32))
}

fn address(rng: &mut StdRng) -> String {
    let (prov, city, districts) = pick(rng, PLACES);
    let district = pick(rng, districts);
    format!(
        "{prov}{city}{district}{}{}号{}{}栋{}单元{}室",
        pick(rng, STREETS),
        rng.random_range(1..400),
        pick(rng, PLACES_DETAIL),
        rng.random_range(1..30),
        rng.random_range(1..6),
        rng.random_range(101..2800)
    )
}

/// The demo catalogue's SKU of a product: `SKU-` and its place in the catalogue.
pub fn sku_of(title: &str) -> String {
    format!("SKU-{:03}", PRODUCTS.iter().position(|(t, _)| *t == title).map_or(0, |i| i + 1))
}

/// Deterministic demo orders of one shop, created over the 30 days before `now`.
pub fn orders(shop_no: u32, shop_id: &str, n: usize, now: i64) -> Vec<IngestOrder> {
    let mut rng = StdRng::seed_from_u64(u64::from(shop_no) * 7919);
    (0..n)
        .map(|i| {
            let created = now - rng.random_range(60..30 * 86_400);
            let roll = rng.random_range(0..100);
            let status = match roll {
                0..30 => OrderStatus::AwaitingShipment,
                30..58 => OrderStatus::Shipped,
                58..83 => OrderStatus::Completed,
                83..89 => OrderStatus::AfterSale,
                89..94 => OrderStatus::Unpaid,
                94..98 => OrderStatus::Cancelled,
                _ => OrderStatus::Closed,
            };
            let completed_at = (status == OrderStatus::Completed).then(|| rfc3339((created + rng.random_range(3..10) * 86_400).min(now)));
            let k = rng.random_range(1..=3usize);
            let items: Vec<Item> = (0..k)
                .map(|_| {
                    let (title, price) = pick(&mut rng, PRODUCTS);
                    Item { title: (*title).to_string(), quantity: rng.random_range(1..4), price_cents: *price, sku: Some(sku_of(title)) }
                })
                .collect();
            let amount_cents = items.iter().map(|it| it.price_cents * i64::from(it.quantity)).sum();
            IngestOrder {
                order_id: format!("69{shop_no:02}{:014}", i + 1),
                shop_id: shop_id.to_string(),
                status,
                created_at: rfc3339(created),
                completed_at,
                items,
                amount_cents,
                receiver: ReceiverIn { name: name(&mut rng), phone: phone(&mut rng), address: address(&mut rng) },
            }
        })
        .collect()
}

/// Seed everything (idempotent): shops, the factory, users, and each shop's orders.
pub async fn seed(state: &AppState) -> AppResult<()> {
    seed_users(state).await?;
    seed_orders(state).await?;
    seed_dropshipping(state).await?;
    crate::demo_buyer::seed(state).await?;
    // The exposure dashboard's flags of the seeded history (every `serve` scans again every
    // few minutes).
    crate::exposure::flags::scan(state).await?;
    Ok(())
}

/// Seed the dropshipping demo (once): shop1 bound to factory1 and shop2 to factory2 with some
/// of their orders awaiting shipment assigned, shop1's invitation to factory2 open, and an
/// approved e-waybill account with balance for each factory.
pub async fn seed_dropshipping(state: &AppState) -> AppResult<()> {
    use crate::store::dropship as ds;
    use crate::store::waybills as ws;
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    if ds::live_binding(&mut tx, "shop1", "factory1").await?.is_some() {
        return Ok(());
    }
    for (shop, factory, assign) in [("shop1", "factory1", 40), ("shop2", "factory2", 25)] {
        let binding = ds::insert_binding(&mut tx, shop, factory, shop, now).await?;
        ds::set_binding(&mut tx, binding, "invited", "active", factory, now).await?;
        let filter = crate::orders::OrderFilter { shop_id: shop.into(), status: Some(OrderStatus::AwaitingShipment), ..Default::default() };
        let ids = crate::store::orders::filtered_ids(&mut tx, &filter, assign).await?;
        ds::insert_assignments(&mut tx, &ids, &ds::NewAssignment { shop, factory, binding, how: "filter", by: shop, now }).await?;
        let account = ws::NewAccount {
            owner: ws::Owner::Factory(factory),
            carrier: "ZTO",
            outlet: "义乌稠城网点",
            sender_name: "代发仓",
            sender_phone: "0579-85550000",
            sender_address: "浙江省金华市义乌市稠城街道工人北路1号",
            applied_by: factory,
            now,
        };
        let id = ws::insert_account(&mut tx, &account).await?;
        ws::decide_account(&mut tx, id, "approved", "admin", now, None).await?;
        ws::add_balance(&mut tx, id, 500).await?;
    }
    ds::insert_binding(&mut tx, "shop1", "factory2", "shop1", now).await?;
    tx.commit().await?;
    tracing::info!("seeded the dropshipping demo: factory1 ↔ shop1, factory2 ↔ shop2, with assigned orders");
    Ok(())
}

/// Seed the shops, the factory and the demo users (idempotent), without orders.
pub async fn seed_users(state: &AppState) -> AppResult<()> {
    let now = state.now();
    let pool = &state.db.pool;
    for (shop, name) in SHOPS {
        store::demo::upsert_shop(pool, shop, name, now).await?;
    }
    for (id, name) in FACTORIES {
        store::demo::ensure_factory(pool, id, name, now).await?;
    }
    for (user, role, shop, factory, perms, _) in USERS {
        if store::demo::user_exists(pool, user).await? {
            continue;
        }
        let hash = tokio::task::spawn_blocking(|| hash_password(PASSWORD)).await.map_err(AppError::internal)?.map_err(AppError::internal)?;
        let new = store::demo::NewUser { username: user, password_hash: &hash, role, shop_id: *shop, factory_id: *factory, permissions: perms };
        store::demo::insert_user(pool, &new, now).await?;
    }
    Ok(())
}

/// Seed each demo shop's orders unless it already has them.
pub async fn seed_orders(state: &AppState) -> AppResult<()> {
    let now = state.now();
    for (no, ((shop, _), n)) in SHOPS.iter().zip(ORDERS_PER_SHOP).enumerate() {
        let shop_no = u32::try_from(no + 1).unwrap_or(1);
        let have = store::orders::counted(&state.db.pool, shop, None).await?;
        if have < n as i64 {
            let all = crate::demo_history::retime(shop_no, orders(shop_no, shop, n, now), now);
            for chunk in all.chunks(MAX_BATCH) {
                ingest(state, chunk.to_vec(), "demo-seeder").await?;
            }
            tracing::info!(shop, orders = n, "seeded demo orders");
        }
        crate::demo_history::seed(state, shop_no, shop).await?;
    }
    Ok(())
}

/// A signed link to the buyer page of shop1's most recently disclosed order (what the order
/// system would send its buyer), for the banner.
pub async fn buyer_link(state: &AppState) -> AppResult<Option<String>> {
    let mut conn = state.db.pool.acquire().await?;
    let Some(order) = crate::store::exposure::latest_disclosed(&mut conn, "shop1").await? else { return Ok(None) };
    Ok(Some(crate::exposure::receipts::link(state, &order, None)?.url))
}

/// Print the URL, the logins, the service token and a buyer page.
pub fn print_banner(addr: &std::net::SocketAddr, service_token: &str, buyer_link: Option<&str>) {
    println!();
    println!("  OrderVeil demo is ready: http://{addr}/");
    println!("  Logins (password {PASSWORD} for all):");
    for (user, _, _, _, _, what) in USERS {
        println!("    {user:<12} {what}");
    }
    println!("  Order-system service token (POST /api/v1/orders/ingest): {service_token}");
    if let Some(link) = buyer_link {
        let link = if link.starts_with('/') { format!("http://{addr}{link}") } else { link.to_string() };
        println!("  A buyer's disclosure receipts (the signed link the order system sends): {link}");
    }
    println!();
}
