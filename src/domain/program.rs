//! The partner programs a tenant takes part in (R11, R27).

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Program {
    DirectBill,
    IndirectReseller,
}

impl Program {
    pub const ALL: [Program; 2] = [Program::DirectBill, Program::IndirectReseller];

    pub fn name(self) -> &'static str {
        match self {
            Program::DirectBill => "direct_bill",
            Program::IndirectReseller => "indirect_reseller",
        }
    }

    pub fn from_name(name: &str) -> Option<Program> {
        [Program::DirectBill, Program::IndirectReseller]
            .into_iter()
            .find(|p| p.name() == name)
    }
}
