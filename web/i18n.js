// The page's words in Vietnamese (the default) and English. Elements carry
// data-i18n="key"; app.js calls sohoaTranslate() after every change of language.
"use strict";
const SOHOA_WORDS = {
  vi: {
    "app.title": "Số hóa hồ sơ một cửa", "nav.logout": "Đăng xuất", "lang.switch": "English",
    "login.title": "Đăng nhập cán bộ", "login.login": "Tên đăng nhập", "login.password": "Mật khẩu", "login.submit": "Đăng nhập",
    "public.title": "Tra cứu tình trạng hồ sơ", "public.help": "Nhập mã hồ sơ trên giấy hẹn, hoặc nội dung mã QR.",
    "public.code": "Mã hồ sơ hoặc QR", "public.submit": "Tra cứu", "public.not_found": "Không tìm thấy hồ sơ với mã này.",
    "tab.receive": "Tiếp nhận", "tab.batches": "Lô quét", "tab.sign": "Chờ ký", "tab.search": "Tra cứu", "tab.share": "Chia sẻ",
    "tab.audit": "Nhật ký", "tab.accounts": "Tài khoản", "tab.dashboard": "Bảng điều hành", "tab.dossier": "Hồ sơ",
    "receive.title": "Tiếp nhận hồ sơ", "receive.submit": "Tiếp nhận và in giấy hẹn",
    "receipt.title": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", "receipt.qr": "Nội dung mã QR", "receipt.print": "In giấy hẹn",
    "field.procedure": "Mã thủ tục", "field.title": "Tên hồ sơ", "field.applicant": "Người nộp", "field.personal_id": "Số định danh",
    "field.days": "Số ngày làm việc", "field.code": "Mã hồ sơ", "field.documents": "Tài liệu", "field.document": "Tài liệu",
    "field.page": "Trang", "field.pages": "Số trang", "field.class": "Loại", "field.status": "Trạng thái",
    "field.received_on": "Ngày tiếp nhận", "field.due_on": "Ngày hẹn trả", "field.agency": "Cơ quan",
    "batches.title": "Lô quét và tiến độ", "batches.id": "Lô", "batches.origin": "Nguồn", "batches.stage": "Giai đoạn",
    "batches.pages": "Trang đã lưu", "batches.review": "Cần kiểm tra", "batches.problems": "Lỗi tệp", "batches.eta": "Còn lại (giây)",
    "scan.title": "Quét hồ sơ", "scan.profile": "Máy quét", "scan.submit": "Bắt đầu quét", "scan.hot_folders": "Thư mục nhận tệp quét",
    "scan.none": "Chưa cấu hình máy quét", "scan.working": "Đang quét…", "scan.done": "Đã quét {n} trang vào lô {b}.",
    "batches.show": "Hiện", "batches.dossiers": "Số hồ sơ", "origin.folder": "Thư mục nóng", "origin.scanner": "Máy quét", "origin.upload": "Tải lên",
    "review.position": "Vị trí trong chồng", "review.source": "Tệp", "review.group": "Hồ sơ / nhóm", "review.flag": "Cảnh báo", "review.message": "Chi tiết",
    "common.refresh": "Làm mới", "common.open": "Mở", "common.download": "Tải PDF", "common.none": "Không có mục nào.",
    "sign.title": "Hồ sơ chờ ký", "sign.submit": "Ký số các hồ sơ đã chọn",
    "sign.note": "Mỗi tài liệu được ký số PAdES bằng khóa ký của cơ quan; bản đã ký được lưu thành phiên bản mới, bản cũ vẫn được giữ.",
    "sign.done": "Đã ký {n}/{m} hồ sơ.", "sign.preview_documents": "Tài liệu (bấm để xem trước)",
    "sign.key_ready": "Khóa ký số đã sẵn sàng", "sign.no_key": "Chưa cấu hình khóa ký số cho tài khoản hoặc cơ quan này; chưa thể ký.",
    "sign.choose": "Hãy chọn ít nhất một hồ sơ.", "sign.working": "Đang ký số…", "sign.ok": "đã ký",
    "pages.title": "Các trang đã quét", "pages.no_image": "Trang này không có ảnh quét.",
    "preview.title": "Xem trước", "field.version": "Phiên bản", "dossier.signed_version": "đã ký số",
    "open.code": "Mở hồ sơ theo mã", "correct.open": "Hiệu chỉnh", "correct.title": "Hiệu chỉnh loại và thông tin tài liệu",
    "correct.note": "Giá trị do máy nhận dạng được giữ nguyên; mỗi lần hiệu chỉnh được lưu kèm người sửa, thời điểm và lý do.",
    "correct.field": "Trường", "correct.machine": "Máy nhận dạng", "correct.value": "Giá trị hiệu chỉnh",
    "correct.reason": "Lý do hiệu chỉnh", "correct.submit": "Lưu hiệu chỉnh", "correct.cancel": "Đóng",
    "correct.history": "Lịch sử hiệu chỉnh", "correct.done": "Đã lưu hiệu chỉnh tài liệu {c}.", "correct.nothing": "Chưa có thay đổi nào.",
    "correct.corrected": "đã hiệu chỉnh",
    "meta.number_symbol": "Số, ký hiệu", "meta.issued_on": "Ngày văn bản (YYYY-MM-DD)", "meta.document_type": "Tên loại văn bản",
    "meta.issuing_agency": "Cơ quan ban hành", "meta.summary": "Trích yếu nội dung", "meta.signer": "Người ký", "meta.notes": "Ghi chú",
    "search.title": "Tra cứu hồ sơ", "search.words": "Từ khóa", "search.any": "Tất cả", "search.submit": "Tìm", "search.snippet": "Trích đoạn",
    "search.count": "{n} kết quả.",
    "status.received": "Đã tiếp nhận", "status.digitised": "Đã số hóa", "status.in-review": "Chờ ký", "status.signed": "Đã ký", "status.returned": "Đã trả kết quả",
    "dossier.title": "Hồ sơ", "dossier.advance": "Chuyển bước tiếp theo", "dossier.advanced": "Hồ sơ chuyển sang: {s}",
    "share.title": "Chia sẻ với cơ quan khác", "share.grantee": "Mã cơ quan nhận", "share.grantor": "Cơ quan chia sẻ", "share.scope": "Phạm vi",
    "share.scope.dossier": "Một hồ sơ", "share.scope.class": "Một loại giấy tờ", "share.scope.all": "Tất cả",
    "share.value": "Mã hồ sơ / loại giấy tờ", "share.days": "Số ngày", "share.submit": "Chia sẻ", "share.done": "Đã chia sẻ (quyền số {n}).",
    "audit.title": "Nhật ký truy cập", "audit.verify": "Kiểm tra tính toàn vẹn", "audit.time": "Thời điểm", "audit.account": "Tài khoản",
    "audit.action": "Thao tác", "audit.subject": "Đối tượng", "audit.outcome": "Kết quả",
    "audit.intact": "Nhật ký nguyên vẹn ({n} bản ghi).", "audit.broken": "NHẬT KÝ BỊ SỬA ĐỔI tại bản ghi {n}: {p}",
    "accounts.title": "Tài khoản của cơ quan", "accounts.name": "Họ tên", "accounts.role": "Vai trò", "accounts.submit": "Thêm tài khoản",
    "accounts.done": "Đã thêm tài khoản {n}.",
    "role.counter": "Cán bộ một cửa", "role.official": "Lãnh đạo", "role.records": "Văn thư lưu trữ", "role.admin": "Quản trị",
    "dashboard.title": "Bảng điều hành", "dashboard.digitisation": "Tỷ lệ số hóa khi tiếp nhận", "dashboard.on_time": "Tỷ lệ trả đúng hạn",
    "dashboard.overdue": "Hồ sơ quá hạn", "dashboard.unit": "Đơn vị", "dashboard.received": "Tiếp nhận",
  },
  en: {
    "app.title": "One-stop desk dossier digitisation", "nav.logout": "Log out", "lang.switch": "Tiếng Việt",
    "login.title": "Staff login", "login.login": "Login", "login.password": "Password", "login.submit": "Log in",
    "public.title": "Dossier status lookup", "public.help": "Enter the dossier code from your receipt, or the text of its QR code.",
    "public.code": "Dossier code or QR", "public.submit": "Look up", "public.not_found": "No dossier with this code.",
    "tab.receive": "Reception", "tab.batches": "Scan batches", "tab.sign": "Awaiting signature", "tab.search": "Search", "tab.share": "Sharing",
    "tab.audit": "Audit trail", "tab.accounts": "Accounts", "tab.dashboard": "Dashboard", "tab.dossier": "Dossier",
    "receive.title": "Receive a dossier", "receive.submit": "Receive and print the receipt",
    "receipt.title": "Receipt and appointment for the result", "receipt.qr": "QR code content", "receipt.print": "Print receipt",
    "field.procedure": "Procedure code", "field.title": "Dossier title", "field.applicant": "Applicant", "field.personal_id": "Personal ID",
    "field.days": "Working days", "field.code": "Dossier code", "field.documents": "Documents", "field.document": "Document",
    "field.page": "Page", "field.pages": "Pages", "field.class": "Class", "field.status": "Status",
    "field.received_on": "Received on", "field.due_on": "Due on", "field.agency": "Agency",
    "batches.title": "Scan batches and progress", "batches.id": "Batch", "batches.origin": "Origin", "batches.stage": "Stage",
    "batches.pages": "Pages filed", "batches.review": "To check", "batches.problems": "File problems", "batches.eta": "Remaining (s)",
    "scan.title": "Scan a dossier", "scan.profile": "Scanner", "scan.submit": "Start scanning", "scan.hot_folders": "Folders that receive scans",
    "scan.none": "No scanner configured", "scan.working": "Scanning…", "scan.done": "Scanned {n} pages into batch {b}.",
    "batches.show": "Show", "batches.dossiers": "Dossiers", "origin.folder": "Hot folder", "origin.scanner": "Scanner", "origin.upload": "Upload",
    "review.position": "Position in the stack", "review.source": "File", "review.group": "Dossier / group", "review.flag": "Flag", "review.message": "Details",
    "common.refresh": "Refresh", "common.open": "Open", "common.download": "Download PDF", "common.none": "Nothing here.",
    "sign.title": "Dossiers awaiting signature", "sign.submit": "Sign the selected dossiers",
    "sign.note": "Every document is signed (PAdES) with the agency's signing key; the signed file is stored as a new version and the earlier one is kept.",
    "sign.done": "{n} of {m} dossiers signed.", "sign.preview_documents": "Documents (click to preview)",
    "sign.key_ready": "The signing key is ready", "sign.no_key": "No signing key is configured for this account or agency; signing is not possible yet.",
    "sign.choose": "Choose at least one dossier.", "sign.working": "Signing…", "sign.ok": "signed",
    "pages.title": "Scanned pages", "pages.no_image": "This page has no scanned image.",
    "preview.title": "Preview", "field.version": "Version", "dossier.signed_version": "digitally signed",
    "open.code": "Open a dossier by its code", "correct.open": "Correct", "correct.title": "Correct the document's class and details",
    "correct.note": "The machine's values are kept; every correction is stored with who made it, when and why.",
    "correct.field": "Field", "correct.machine": "Recognised by the machine", "correct.value": "Corrected value",
    "correct.reason": "Reason for the correction", "correct.submit": "Save correction", "correct.cancel": "Close",
    "correct.history": "Corrections so far", "correct.done": "Correction of document {c} saved.", "correct.nothing": "Nothing has changed.",
    "correct.corrected": "corrected",
    "meta.number_symbol": "Number and symbol", "meta.issued_on": "Date of issue (YYYY-MM-DD)", "meta.document_type": "Document type",
    "meta.issuing_agency": "Issuing agency", "meta.summary": "Summary", "meta.signer": "Signer", "meta.notes": "Notes",
    "search.title": "Search dossiers", "search.words": "Words", "search.any": "Any", "search.submit": "Search", "search.snippet": "Snippet",
    "search.count": "{n} results.",
    "status.received": "Received", "status.digitised": "Digitised", "status.in-review": "Awaiting signature", "status.signed": "Signed", "status.returned": "Returned",
    "dossier.title": "Dossier", "dossier.advance": "Move to the next step", "dossier.advanced": "Dossier moved to: {s}",
    "share.title": "Share with another agency", "share.grantee": "Receiving agency code", "share.grantor": "Sharing agency", "share.scope": "Scope",
    "share.scope.dossier": "One dossier", "share.scope.class": "One document class", "share.scope.all": "Everything",
    "share.value": "Dossier code / document class", "share.days": "Days", "share.submit": "Share", "share.done": "Shared (grant #{n}).",
    "audit.title": "Audit trail", "audit.verify": "Check integrity", "audit.time": "Time", "audit.account": "Account",
    "audit.action": "Action", "audit.subject": "Subject", "audit.outcome": "Outcome",
    "audit.intact": "The audit log is intact ({n} records).", "audit.broken": "AUDIT LOG TAMPERED WITH at record {n}: {p}",
    "accounts.title": "Accounts of the agency", "accounts.name": "Name", "accounts.role": "Role", "accounts.submit": "Add account",
    "accounts.done": "Account {n} added.",
    "role.counter": "Counter staff", "role.official": "Official", "role.records": "Records officer", "role.admin": "Administrator",
    "dashboard.title": "Dashboard", "dashboard.digitisation": "Digitised at reception", "dashboard.on_time": "Returned on time",
    "dashboard.overdue": "Overdue dossiers", "dashboard.unit": "Unit", "dashboard.received": "Received",
  },
};

let sohoaLanguage = localStorage.getItem("sohoa.lang") === "en" ? "en" : "vi";

function t(key, values) {
  let text = SOHOA_WORDS[sohoaLanguage][key] ?? SOHOA_WORDS.vi[key] ?? key;
  for (const [name, value] of Object.entries(values ?? {})) text = text.replace(`{${name}}`, value);
  return text;
}

function sohoaTranslate(root) {
  document.documentElement.lang = sohoaLanguage;
  for (const element of (root ?? document).querySelectorAll("[data-i18n]")) {
    element.textContent = t(element.dataset.i18n);
  }
  document.getElementById("lang").textContent = t("lang.switch");
  document.title = t("app.title");
}
