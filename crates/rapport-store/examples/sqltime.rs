use std::io::Read;
use std::time::Instant;
fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let url = std::env::args().nth(1).unwrap();
        let mut sql = String::new();
        std::io::stdin().read_to_string(&mut sql).unwrap();
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        for stmt in sql.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
            let mut best = f64::MAX;
            let mut n = 0;
            for _ in 0..5 {
                let t = Instant::now();
                n = sqlx::query(stmt).fetch_all(&pool).await.unwrap().len();
                best = best.min(t.elapsed().as_secs_f64() * 1e3);
            }
            println!("{best:8.2} ms {n:5} rows  {stmt}");
        }
    });
}
