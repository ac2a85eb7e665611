<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="vi" sourcelanguage="en">
<context>
    <name>AuditDialog</name>
    <message>
        <source>Audit log</source>
        <translation>Nhật ký thao tác</translation>
    </message>
</context>
<context>
    <name>AuditModel</name>
    <message>
        <source>Details</source>
        <translation>Chi tiết</translation>
    </message>
    <message>
        <source>What</source>
        <translation>Việc gì</translation>
    </message>
    <message>
        <source>When</source>
        <translation>Lúc nào</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>Ai</translation>
    </message>
</context>
<context>
    <name>BackupKeeper</name>
    <message>
        <source>Backing up before closing…</source>
        <translation>Đang sao lưu trước khi đóng…</translation>
    </message>
    <message>
        <source>Backing up…</source>
        <translation>Đang sao lưu…</translation>
    </message>
    <message>
        <source>Backup failed: {reason}</source>
        <translation>Sao lưu không thành công: {reason}</translation>
    </message>
    <message>
        <source>Last backup: {when}</source>
        <translation>Sao lưu gần nhất: {when}</translation>
    </message>
    <message>
        <source>No backup yet</source>
        <translation>Chưa có bản sao lưu</translation>
    </message>
    <message>
        <source>The backup at closing failed: {reason}</source>
        <translation>Không sao lưu được khi đóng chương trình: {reason}</translation>
    </message>
</context>
<context>
    <name>BackupsModel</name>
    <message>
        <source>Customers</source>
        <translation>Khách hàng</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Ngày giờ</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Tệp</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Dung lượng</translation>
    </message>
</context>
<context>
    <name>CarePane</name>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Sao chép</translation>
    </message>
    <message>
        <source>&amp;Done…</source>
        <translation>Đã &amp;xong…</translation>
    </message>
    <message>
        <source>&amp;Email</source>
        <translation>&amp;Email</translation>
    </message>
    <message>
        <source>&amp;Open</source>
        <translation>&amp;Mở</translation>
    </message>
    <message>
        <source>&amp;Zalo</source>
        <translation>&amp;Zalo</translation>
    </message>
    <message>
        <source>Ca&amp;ll</source>
        <translation>&amp;Gọi</translation>
    </message>
    <message>
        <source>Call the customer&apos;s phone</source>
        <translation>Gọi vào số điện thoại của khách</translation>
    </message>
    <message>
        <source>Care schedule</source>
        <translation>Lịch chăm sóc</translation>
    </message>
    <message>
        <source>Care schedule: nothing overdue or due today.</source>
        <translation>Lịch chăm sóc: không có việc quá hạn hay cần làm hôm nay.</translation>
    </message>
    <message>
        <source>Care schedule: {overdue} overdue, {today} due today</source>
        <translation>Lịch chăm sóc: {overdue} việc quá hạn, {today} việc cần làm hôm nay</translation>
    </message>
    <message>
        <source>Copy the message to the clipboard</source>
        <translation>Sao chép lời nhắn vào bộ nhớ tạm</translation>
    </message>
    <message>
        <source>Give the task to someone else</source>
        <translation>Giao việc cho người khác</translation>
    </message>
    <message>
        <source>Mark the task done and note the outcome</source>
        <translation>Đánh dấu đã xong và ghi kết quả</translation>
    </message>
    <message>
        <source>Next 7 days ({n})</source>
        <translation>7 ngày tới ({n})</translation>
    </message>
    <message>
        <source>Open a Zalo chat with the customer</source>
        <translation>Mở cuộc trò chuyện Zalo với khách</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>Kết quả chăm sóc</translation>
    </message>
    <message>
        <source>Overdue ({n})</source>
        <translation>Quá hạn ({n})</translation>
    </message>
    <message>
        <source>Put the task off by a week</source>
        <translation>Dời việc sang tuần sau</translation>
    </message>
    <message>
        <source>Put the task off to a date you choose</source>
        <translation>Dời việc đến ngày bạn chọn</translation>
    </message>
    <message>
        <source>Put the task off to tomorrow</source>
        <translation>Dời việc sang ngày mai</translation>
    </message>
    <message>
        <source>Put the task off to tomorrow (Ctrl+T); the arrow: next week or a date</source>
        <translation>Dời việc sang ngày mai (Ctrl+T); mũi tên: tuần sau hoặc một ngày khác</translation>
    </message>
    <message>
        <source>Re&amp;assign…</source>
        <translation>Giao &amp;lại…</translation>
    </message>
    <message>
        <source>Reassign</source>
        <translation>Giao lại</translation>
    </message>
    <message>
        <source>S&amp;kip…</source>
        <translation>&amp;Bỏ qua…</translation>
    </message>
    <message>
        <source>Select a customer to see their care tasks.</source>
        <translation>Chọn một khách hàng để xem lịch chăm sóc của khách.</translation>
    </message>
    <message>
        <source>Select a task to see its message.</source>
        <translation>Chọn một việc để xem lời nhắn.</translation>
    </message>
    <message>
        <source>Show the task&apos;s customer</source>
        <translation>Xem khách hàng của việc này</translation>
    </message>
    <message>
        <source>Skip the task (not needed, unreachable) and note why</source>
        <translation>Bỏ qua việc (không cần, không liên lạc được) và ghi lý do</translation>
    </message>
    <message>
        <source>Sn&amp;ooze</source>
        <translation>&amp;Dời lại</translation>
    </message>
    <message>
        <source>Snooze to &amp;next week</source>
        <translation>Dời sang &amp;tuần sau</translation>
    </message>
    <message>
        <source>Snooze to &amp;tomorrow</source>
        <translation>Dời sang &amp;ngày mai</translation>
    </message>
    <message>
        <source>Snooze to a d&amp;ate…</source>
        <translation>Dời đến một ng&amp;ày…</translation>
    </message>
    <message>
        <source>Tasks for {name}</source>
        <translation>Việc chăm sóc {name}</translation>
    </message>
    <message>
        <source>Today ({n})</source>
        <translation>Hôm nay ({n})</translation>
    </message>
    <message>
        <source>What happened? ({task}, {name})</source>
        <translation>Kết quả thế nào? ({task}, {name})</translation>
    </message>
    <message>
        <source>Who does this task? ({task}, {name}; empty: nobody)</source>
        <translation>Ai làm việc này? ({task}, {name}; để trống: chưa giao ai)</translation>
    </message>
    <message>
        <source>Write an email with the message</source>
        <translation>Soạn email với lời nhắn</translation>
    </message>
    <message>
        <source>for {who}</source>
        <translation>giao cho {who}</translation>
    </message>
</context>
<context>
    <name>CareRulesDialog</name>
    <message>
        <source>&amp;Add rule</source>
        <translation>&amp;Thêm quy tắc</translation>
    </message>
    <message>
        <source>(no message)</source>
        <translation>(không có lời nhắn)</translation>
    </message>
    <message>
        <source>A rule&apos;s name is at most 120 characters.</source>
        <translation>Tên quy tắc dài tối đa 120 ký tự.</translation>
    </message>
    <message>
        <source>Care rules</source>
        <translation>Quy tắc chăm sóc</translation>
    </message>
    <message>
        <source>Click a placeholder to insert it</source>
        <translation>Bấm vào một ô thay thế để chèn</translation>
    </message>
    <message>
        <source>Create these tasks</source>
        <translation>Tạo các việc này</translation>
    </message>
    <message>
        <source>Days</source>
        <translation>Số ngày</translation>
    </message>
    <message>
        <source>Each rule creates a care task for every customer it applies to. Changes apply to tasks created from now on.</source>
        <translation>Mỗi quy tắc tạo một việc chăm sóc cho từng khách hàng phù hợp. Thay đổi chỉ áp dụng cho các việc được tạo từ nay.</translation>
    </message>
    <message>
        <source>Every rule needs a name.</source>
        <translation>Mỗi quy tắc cần có tên.</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Lời nhắn</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Tên</translation>
    </message>
    <message>
        <source>New rule</source>
        <translation>Quy tắc mới</translation>
    </message>
    <message>
        <source>Placeholders</source>
        <translation>Ô thay thế</translation>
    </message>
    <message>
        <source>Preview</source>
        <translation>Xem trước</translation>
    </message>
    <message>
        <source>Task</source>
        <translation>Công việc</translation>
    </message>
    <message>
        <source>The message for a sample customer</source>
        <translation>Lời nhắn cho một khách hàng mẫu</translation>
    </message>
    <message>
        <source>Use the default message</source>
        <translation>Dùng lời nhắn mặc định</translation>
    </message>
    <message>
        <source>When</source>
        <translation>Khi nào</translation>
    </message>
</context>
<context>
    <name>ColumnsPage</name>
    <message>
        <source>(ignore this column)</source>
        <translation>(bỏ qua cột này)</translation>
    </message>
    <message>
        <source>Care tasks</source>
        <translation>Việc chăm sóc</translation>
    </message>
    <message>
        <source>Check which field each column of the file goes to; change it or ignore the column. Cells in red cannot be imported: point at them to see why.</source>
        <translation>Kiểm tra mỗi cột của tệp sẽ vào trường nào; có thể đổi hoặc bỏ qua cột. Ô màu đỏ không nhập được: đưa chuột vào để xem lý do.</translation>
    </message>
    <message>
        <source>Column in the file</source>
        <translation>Cột trong tệp</translation>
    </message>
    <message>
        <source>Columns and preview</source>
        <translation>Các cột và xem trước</translation>
    </message>
    <message>
        <source>Contacts (calls, visits, messages)</source>
        <translation>Liên hệ (cuộc gọi, ghé thăm, tin nhắn)</translation>
    </message>
    <message>
        <source>Customers</source>
        <translation>Khách hàng</translation>
    </message>
    <message>
        <source>Examples</source>
        <translation>Ví dụ</translation>
    </message>
    <message>
        <source>Feedback and complaints</source>
        <translation>Phản hồi và khiếu nại</translation>
    </message>
    <message>
        <source>Goes to</source>
        <translation>Nhập vào trường</translation>
    </message>
    <message>
        <source>Purchases (sales history)</source>
        <translation>Lần mua hàng (lịch sử bán hàng)</translation>
    </message>
    <message>
        <source>Sheet:</source>
        <translation>Trang tính:</translation>
    </message>
    <message>
        <source>The file holds:</source>
        <translation>Tệp chứa:</translation>
    </message>
    <message>
        <source>{valid} rows are ready to import; {errors} rows have errors and will be left out (the first {shown} rows are shown below).</source>
        <translation>{valid} dòng sẵn sàng để nhập; {errors} dòng có lỗi sẽ bị bỏ qua ({shown} dòng đầu được hiển thị bên dưới).</translation>
    </message>
</context>
<context>
    <name>ComplaintsDialog</name>
    <message>
        <source>&amp;Open customer</source>
        <translation>&amp;Mở khách hàng</translation>
    </message>
    <message>
        <source>&amp;Resolve…</source>
        <translation>&amp;Giải quyết…</translation>
    </message>
    <message>
        <source>&amp;Take in hand…</source>
        <translation>&amp;Tiếp nhận xử lý…</translation>
    </message>
    <message>
        <source>No open complaints.</source>
        <translation>Không có khiếu nại nào chưa giải quyết.</translation>
    </message>
    <message>
        <source>Open complaints</source>
        <translation>Khiếu nại chưa giải quyết</translation>
    </message>
    <message>
        <source>{count} complaint(s) waiting, the oldest first.</source>
        <translation>{count} khiếu nại đang chờ, cũ nhất trước.</translation>
    </message>
</context>
<context>
    <name>ComplaintsModel</name>
    <message>
        <source>Age (days)</source>
        <translation>Số ngày chờ</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>Mã KH</translation>
    </message>
    <message>
        <source>Complaint</source>
        <translation>Nội dung khiếu nại</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>Khách hàng</translation>
    </message>
    <message>
        <source>Handled by</source>
        <translation>Người xử lý</translation>
    </message>
    <message>
        <source>Opened</source>
        <translation>Ngày nhận</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Trạng thái</translation>
    </message>
</context>
<context>
    <name>ContactsTab</name>
    <message>
        <source>&amp;Edit…</source>
        <translation>&amp;Sửa…</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Xóa</translation>
    </message>
    <message>
        <source>Delete this contact of {date}?</source>
        <translation>Xóa lần liên hệ ngày {date}?</translation>
    </message>
    <message>
        <source>Log a contact of this kind</source>
        <translation>Ghi lại một lần liên hệ loại này</translation>
    </message>
    <message>
        <source>Log:</source>
        <translation>Ghi lại:</translation>
    </message>
    <message>
        <source>No contacts yet: log a call, visit or message with the buttons above.</source>
        <translation>Chưa có lần liên hệ nào: ghi lại cuộc gọi, lần ghé thăm hoặc tin nhắn bằng các nút phía trên.</translation>
    </message>
    <message>
        <source>Record &amp;offer…</source>
        <translation>Ghi nhận &amp;ưu đãi…</translation>
    </message>
    <message>
        <source>Record the special offer given to a loyal or high-value customer</source>
        <translation>Ghi nhận ưu đãi đặc biệt đã dành cho khách thân thiết hoặc giá trị cao</translation>
    </message>
    <message>
        <source>last offer on {date}</source>
        <translation>ưu đãi gần nhất ngày {date}</translation>
    </message>
    <message>
        <source>no offer recorded yet</source>
        <translation>chưa ghi nhận ưu đãi nào</translation>
    </message>
    <message>
        <source>{count} contact(s).</source>
        <translation>{count} lần liên hệ.</translation>
    </message>
    <message>
        <source>★ Loyal or high-value customer: {last}.</source>
        <translation>★ Khách thân thiết hoặc giá trị cao: {last}.</translation>
    </message>
</context>
<context>
    <name>CustomerForm</name>
    <message>
        <source>&amp;Open the other customer</source>
        <translation>&amp;Mở khách hàng đã có</translation>
    </message>
    <message>
        <source>&amp;Revert</source>
        <translation>&amp;Hoàn tác</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>&amp;Lưu</translation>
    </message>
    <message>
        <source>(suggested: {word})</source>
        <translation>(gợi ý: {word})</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Địa chỉ</translation>
    </message>
    <message>
        <source>Another customer has this phone number or email:
{names}

Save anyway, or open the customer already there (what you typed here is not saved)?</source>
        <translation>Đã có khách hàng khác dùng số điện thoại hoặc email này:
{names}

Vẫn lưu, hay mở khách hàng đã có (những gì bạn vừa nhập sẽ không được lưu)?</translation>
    </message>
    <message>
        <source>Cannot reach the database ({reason}). Your changes are kept here: press Save again when it is back.</source>
        <translation>Không kết nối được cơ sở dữ liệu ({reason}). Những thay đổi của bạn vẫn được giữ ở đây: khi kết nối trở lại, hãy bấm Lưu lần nữa.</translation>
    </message>
    <message>
        <source>Care messages</source>
        <translation>Tin nhắn chăm sóc</translation>
    </message>
    <message>
        <source>Changed at another counter</source>
        <translation>Đã được sửa ở quầy khác</translation>
    </message>
    <message>
        <source>Changed at the other counter:</source>
        <translation>Những gì quầy kia đã thay đổi:</translation>
    </message>
    <message>
        <source>Consent to personal data</source>
        <translation>Đồng ý về dữ liệu cá nhân</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>Thông tin liên hệ</translation>
    </message>
    <message>
        <source>Fill in what you know; only the name is required.</source>
        <translation>Nhập những thông tin đã biết; chỉ bắt buộc có họ tên.</translation>
    </message>
    <message>
        <source>Given on {date}</source>
        <translation>Đồng ý ngày {date}</translation>
    </message>
    <message>
        <source>Honorific in messages</source>
        <translation>Xưng hô trong tin nhắn</translation>
    </message>
    <message>
        <source>Keep their data</source>
        <translation>Lưu giữ thông tin của khách</translation>
    </message>
    <message>
        <source>Maybe already there</source>
        <translation>Có thể khách đã có</translation>
    </message>
    <message>
        <source>New customer</source>
        <translation>Khách hàng mới</translation>
    </message>
    <message>
        <source>No purchases yet.</source>
        <translation>Khách chưa mua lần nào.</translation>
    </message>
    <message>
        <source>Not given: silence is not consent.</source>
        <translation>Chưa đồng ý: im lặng không phải là đồng ý.</translation>
    </message>
    <message>
        <source>Offers and marketing</source>
        <translation>Ưu đãi và quảng cáo</translation>
    </message>
    <message>
        <source>Overwrite</source>
        <translation>Ghi đè</translation>
    </message>
    <message>
        <source>Person</source>
        <translation>Thông tin cá nhân</translation>
    </message>
    <message>
        <source>Please correct the fields marked in red.</source>
        <translation>Vui lòng sửa lại các ô có thông báo màu đỏ.</translation>
    </message>
    <message>
        <source>Referred by (code)</source>
        <translation>Người giới thiệu (mã khách hàng)</translation>
    </message>
    <message>
        <source>Referred {count} customers: {names}{more}</source>
        <translation>Đã giới thiệu {count} khách: {names}{more}</translation>
    </message>
    <message>
        <source>Relationship</source>
        <translation>Quan hệ với cửa hàng</translation>
    </message>
    <message>
        <source>Reload</source>
        <translation>Tải lại</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Vai trò</translation>
    </message>
    <message>
        <source>Save &amp;anyway</source>
        <translation>&amp;Vẫn lưu</translation>
    </message>
    <message>
        <source>Select a customer in the list, or add a new one.</source>
        <translation>Chọn một khách hàng trong danh sách, hoặc thêm khách hàng mới.</translation>
    </message>
    <message>
        <source>This customer has changes that are not saved yet. Save them?</source>
        <translation>Thông tin khách hàng này có thay đổi chưa được lưu. Lưu lại không?</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>Thay đổi chưa lưu</translation>
    </message>
    <message>
        <source>dd/mm/yyyy</source>
        <translation>ngày/tháng/năm (dd/mm/yyyy)</translation>
    </message>
    <message>
        <source>e.g. 0912 345 678</source>
        <translation>VD: 0912 345 678</translation>
    </message>
    <message>
        <source>e.g. KH000012</source>
        <translation>VD: KH000012</translation>
    </message>
    <message>
        <source>e.g. Nguyễn Thị Thu Hà</source>
        <translation>VD: Nguyễn Thị Thu Hà</translation>
    </message>
    <message>
        <source>name@example.com</source>
        <translation>ten@example.com</translation>
    </message>
    <message>
        <source>no</source>
        <translation>không</translation>
    </message>
    <message>
        <source>rated {average:.1f}/5 (last {last}/5)</source>
        <translation>đánh giá {average:.1f}/5 (lần gần nhất {last}/5)</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>có</translation>
    </message>
    <message>
        <source>{count} open complaint(s)</source>
        <translation>{count} khiếu nại chưa giải quyết</translation>
    </message>
    <message>
        <source>{count} purchases · total {total} · average {average} · last on {last} ({days} days ago)</source>
        <translation>{count} lần mua · tổng {total} · trung bình {average} · lần gần nhất {last} ({days} ngày trước)</translation>
    </message>
    <message>
        <source>{name} was moved to the trash at another counter.</source>
        <translation>{name} đã được chuyển vào thùng rác ở một quầy khác.</translation>
    </message>
    <message>
        <source>• {field}: {before} → {after}</source>
        <translation>• {field}: {before} → {after}</translation>
    </message>
    <message>
        <source>★ loyal customer: special policies apply</source>
        <translation>★ khách hàng thân thiết: áp dụng chính sách ưu đãi</translation>
    </message>
</context>
<context>
    <name>CustomerList</name>
    <message>
        <source>Clear filter</source>
        <translation>Bỏ lọc</translation>
    </message>
    <message>
        <source>Filter…</source>
        <translation>Lọc…</translation>
    </message>
    <message>
        <source>No customer is in this list.</source>
        <translation>Chưa có khách hàng nào trong danh sách này.</translation>
    </message>
    <message>
        <source>No customer matches “{text}”.</source>
        <translation>Không tìm thấy khách hàng nào khớp với “{text}”.</translation>
    </message>
    <message>
        <source>No customers yet: add one with New customer (Ctrl+N) or import a spreadsheet (Ctrl+I).</source>
        <translation>Chưa có khách hàng nào: hãy thêm khách hàng mới (Ctrl+N) hoặc nhập danh sách từ tệp Excel (Ctrl+I).</translation>
    </message>
    <message>
        <source>Save as smart list…</source>
        <translation>Lưu thành danh sách thông minh…</translation>
    </message>
    <message>
        <source>Search by name (no tones needed), phone, email, code or note…</source>
        <translation>Tìm theo tên (gõ không dấu cũng được), số điện thoại, email, mã khách hàng hoặc ghi chú…</translation>
    </message>
</context>
<context>
    <name>CustomerRecords</name>
    <message>
        <source>&amp;Feedback</source>
        <translation>Phản &amp;hồi</translation>
    </message>
    <message>
        <source>&amp;Purchases</source>
        <translation>&amp;Mua hàng</translation>
    </message>
    <message>
        <source>C&amp;ontacts</source>
        <translation>&amp;Liên hệ</translation>
    </message>
</context>
<context>
    <name>CustomerTableModel</name>
    <message>
        <source>Age group</source>
        <translation>Nhóm tuổi</translation>
    </message>
    <message>
        <source>Area</source>
        <translation>Khu vực</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>Mã KH</translation>
    </message>
    <message>
        <source>Complaint</source>
        <translation>Khiếu nại</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>Email</translation>
    </message>
    <message>
        <source>Gender</source>
        <translation>Giới tính</translation>
    </message>
    <message>
        <source>Income</source>
        <translation>Thu nhập</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Loại khách</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Tên khách hàng</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Điện thoại</translation>
    </message>
    <message>
        <source>Province</source>
        <translation>Tỉnh/TP</translation>
    </message>
    <message>
        <source>Referrals</source>
        <translation>Đã giới thiệu</translation>
    </message>
    <message>
        <source>Segment</source>
        <translation>Nhóm khách</translation>
    </message>
    <message>
        <source>Since</source>
        <translation>Ngày tạo</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Nguồn khách</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Giá trị</translation>
    </message>
    <message>
        <source>open</source>
        <translation>chưa xử lý xong</translation>
    </message>
</context>
<context>
    <name>DashboardExport</name>
    <message>
        <source>The PDF file cannot be written.</source>
        <translation>Không ghi được tệp PDF.</translation>
    </message>
</context>
<context>
    <name>DashboardWindow</name>
    <message>
        <source>Average rating per month</source>
        <translation>Đánh giá trung bình theo tháng</translation>
    </message>
    <message>
        <source>Average resolution time</source>
        <translation>Thời gian giải quyết trung bình</translation>
    </message>
    <message>
        <source>Care tasks done on time</source>
        <translation>Việc chăm sóc làm đúng hạn</translation>
    </message>
    <message>
        <source>Care tasks due in the period</source>
        <translation>Việc chăm sóc đến hạn trong kỳ</translation>
    </message>
    <message>
        <source>Computing the dashboard…</source>
        <translation>Đang tính báo cáo…</translation>
    </message>
    <message>
        <source>Computing the figures…</source>
        <translation>Đang tính số liệu…</translation>
    </message>
    <message>
        <source>Could not write {path}: {error}</source>
        <translation>Không ghi được {path}: {error}</translation>
    </message>
    <message>
        <source>Custom dates</source>
        <translation>Chọn ngày</translation>
    </message>
    <message>
        <source>Customers</source>
        <translation>Khách hàng</translation>
    </message>
    <message>
        <source>Customers by province (now)</source>
        <translation>Khách hàng theo tỉnh/thành (hiện tại)</translation>
    </message>
    <message>
        <source>Customers by segment (now)</source>
        <translation>Khách hàng theo nhóm (hiện tại)</translation>
    </message>
    <message>
        <source>Customers by source (now)</source>
        <translation>Khách hàng theo nguồn (hiện tại)</translation>
    </message>
    <message>
        <source>Customers by value tier (now)</source>
        <translation>Khách hàng theo mức giá trị (hiện tại)</translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation>Báo cáo tổng quan</translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Tệp Excel (*.xlsx)</translation>
    </message>
    <message>
        <source>Export the dashboard to Excel</source>
        <translation>Xuất báo cáo ra Excel</translation>
    </message>
    <message>
        <source>Export to Excel…</source>
        <translation>Xuất ra Excel…</translation>
    </message>
    <message>
        <source>Lapsed customers (more than {days} days)</source>
        <translation>Khách không quay lại (quá {days} ngày)</translation>
    </message>
    <message>
        <source>Last 12 months</source>
        <translation>12 tháng qua</translation>
    </message>
    <message>
        <source>Last 3 months</source>
        <translation>3 tháng qua</translation>
    </message>
    <message>
        <source>Last 6 months</source>
        <translation>6 tháng qua</translation>
    </message>
    <message>
        <source>Late</source>
        <translation>Trễ hạn</translation>
    </message>
    <message>
        <source>New customers per month</source>
        <translation>Khách hàng mới theo tháng</translation>
    </message>
    <message>
        <source>No tier</source>
        <translation>Chưa xếp mức</translation>
    </message>
    <message>
        <source>Not computed yet</source>
        <translation>Chưa tính</translation>
    </message>
    <message>
        <source>Not recorded</source>
        <translation>Chưa ghi</translation>
    </message>
    <message>
        <source>On time</source>
        <translation>Đúng hạn</translation>
    </message>
    <message>
        <source>Open complaints</source>
        <translation>Khiếu nại chưa giải quyết</translation>
    </message>
    <message>
        <source>Others</source>
        <translation>Khác</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>Quá hạn</translation>
    </message>
    <message>
        <source>PDF document (*.pdf)</source>
        <translation>Tài liệu PDF (*.pdf)</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>Kỳ báo cáo</translation>
    </message>
    <message>
        <source>Period:</source>
        <translation>Kỳ báo cáo:</translation>
    </message>
    <message>
        <source>Print…</source>
        <translation>In…</translation>
    </message>
    <message>
        <source>Province: {name}</source>
        <translation>Tỉnh/thành: {name}</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Làm mới</translation>
    </message>
    <message>
        <source>Repeat-purchase rate</source>
        <translation>Tỷ lệ mua lại</translation>
    </message>
    <message>
        <source>Retention rate</source>
        <translation>Tỷ lệ giữ chân khách</translation>
    </message>
    <message>
        <source>Revenue per month</source>
        <translation>Doanh thu theo tháng</translation>
    </message>
    <message>
        <source>Save as PDF…</source>
        <translation>Lưu thành PDF…</translation>
    </message>
    <message>
        <source>Save the dashboard as PDF</source>
        <translation>Lưu báo cáo thành PDF</translation>
    </message>
    <message>
        <source>Saved {name}</source>
        <translation>Đã lưu {name}</translation>
    </message>
    <message>
        <source>Segment: {name}</source>
        <translation>Nhóm: {name}</translation>
    </message>
    <message>
        <source>Source: {name}</source>
        <translation>Nguồn: {name}</translation>
    </message>
    <message>
        <source>Stars</source>
        <translation>Sao</translation>
    </message>
    <message>
        <source>Tasks</source>
        <translation>Việc</translation>
    </message>
    <message>
        <source>The figures could not be computed: {error}</source>
        <translation>Không tính được số liệu: {error}</translation>
    </message>
    <message>
        <source>This month</source>
        <translation>Tháng này</translation>
    </message>
    <message>
        <source>This year</source>
        <translation>Năm nay</translation>
    </message>
    <message>
        <source>Top customers in the period</source>
        <translation>Khách mua nhiều nhất trong kỳ</translation>
    </message>
    <message>
        <source>Top referrers</source>
        <translation>Khách giới thiệu nhiều nhất</translation>
    </message>
    <message>
        <source>Value tier: {name}</source>
        <translation>Mức giá trị: {name}</translation>
    </message>
    <message>
        <source>billion ₫</source>
        <translation>tỷ ₫</translation>
    </message>
    <message>
        <source>from</source>
        <translation>từ</translation>
    </message>
    <message>
        <source>million ₫</source>
        <translation>triệu ₫</translation>
    </message>
    <message>
        <source>thousand ₫</source>
        <translation>nghìn ₫</translation>
    </message>
    <message>
        <source>to</source>
        <translation>đến</translation>
    </message>
    <message>
        <source>{count} complaints resolved in the period</source>
        <translation>{count} khiếu nại được giải quyết trong kỳ</translation>
    </message>
    <message>
        <source>{days} days</source>
        <translation>{days} ngày</translation>
    </message>
    <message>
        <source>{month}: {money} in {count} purchases</source>
        <translation>{month}: {money} từ {count} lần mua</translation>
    </message>
    <message>
        <source>{month}: {stars} stars, {count} ratings</source>
        <translation>{month}: {stars} sao, {count} lượt đánh giá</translation>
    </message>
    <message>
        <source>{open} open, {busy} in progress</source>
        <translation>{open} mới nhận, {busy} đang xử lý</translation>
    </message>
    <message>
        <source>{part} of {whole} customers of the start</source>
        <translation>{part} trên {whole} khách đầu kỳ</translation>
    </message>
    <message>
        <source>{part} of {whole} customers who bought</source>
        <translation>{part} trên {whole} khách đã mua</translation>
    </message>
    <message>
        <source>{part} of {whole} done tasks</source>
        <translation>{part} trên {whole} việc đã làm</translation>
    </message>
    <message>
        <source>{start} – {end} · printed {today}</source>
        <translation>{start} – {end} · in ngày {today}</translation>
    </message>
    <message>
        <source>{start} – {end}, computed in {seconds} s</source>
        <translation>{start} – {end}, tính trong {seconds} giây</translation>
    </message>
</context>
<context>
    <name>DatabaseDialog</name>
    <message>
        <source>&amp;Test connection</source>
        <translation>&amp;Kiểm tra kết nối</translation>
    </message>
    <message>
        <source>Connected to {server}. The database is empty: ShopCRM will set it up at the next start.</source>
        <translation>Đã kết nối tới {server}. Cơ sở dữ liệu đang trống: ShopCRM sẽ tự tạo cấu trúc ở lần khởi động tới.</translation>
    </message>
    <message>
        <source>Connected to {server}: a ShopCRM database with {count} customers.</source>
        <translation>Đã kết nối tới {server}: cơ sở dữ liệu ShopCRM có {count} khách hàng.</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Đang kết nối…</translation>
    </message>
    <message>
        <source>Database</source>
        <translation>Cơ sở dữ liệu</translation>
    </message>
    <message>
        <source>Database address</source>
        <translation>Địa chỉ cơ sở dữ liệu</translation>
    </message>
    <message>
        <source>One computer: leave the local file (sqlite:///…). Several counters: every counter uses the same PostgreSQL address, e.g. postgresql://shop:password@192.168.1.10/shopcrm. The new address is used the next time ShopCRM starts.</source>
        <translation>Một máy tính: giữ tệp trên máy (sqlite:///…). Nhiều quầy: mọi quầy dùng chung một địa chỉ PostgreSQL, ví dụ postgresql://shop:matkhau@192.168.1.10/shopcrm. Địa chỉ mới được dùng từ lần khởi động ShopCRM tới.</translation>
    </message>
    <message>
        <source>Testing the connection…</source>
        <translation>Đang kiểm tra kết nối…</translation>
    </message>
    <message>
        <source>Use the &amp;local file</source>
        <translation>Dùng tệp trên &amp;máy này</translation>
    </message>
</context>
<context>
    <name>DuplicatesDialog</name>
    <message>
        <source>&amp;Merge…</source>
        <translation>&amp;Gộp…</translation>
    </message>
    <message>
        <source>Find duplicates</source>
        <translation>Tìm khách hàng trùng</translation>
    </message>
    <message>
        <source>Looking for customers entered twice…</source>
        <translation>Đang tìm khách hàng bị nhập hai lần…</translation>
    </message>
    <message>
        <source>Merge customers</source>
        <translation>Gộp khách hàng trùng</translation>
    </message>
    <message>
        <source>No duplicates found.</source>
        <translation>Không tìm thấy khách hàng trùng.</translation>
    </message>
    <message>
        <source>The search failed: {reason}</source>
        <translation>Không tìm được: {reason}</translation>
    </message>
    <message>
        <source>{count} group(s) of customers that look like the same person. Select one and press Merge.</source>
        <translation>{count} nhóm khách hàng có vẻ là cùng một người. Chọn một nhóm rồi bấm Gộp.</translation>
    </message>
</context>
<context>
    <name>DuplicatesModel</name>
    <message>
        <source>Codes</source>
        <translation>Mã</translation>
    </message>
    <message>
        <source>Names</source>
        <translation>Họ tên</translation>
    </message>
    <message>
        <source>Phones</source>
        <translation>Số điện thoại</translation>
    </message>
    <message>
        <source>Same email</source>
        <translation>Trùng email</translation>
    </message>
    <message>
        <source>Same name and address</source>
        <translation>Trùng họ tên và địa chỉ</translation>
    </message>
    <message>
        <source>Same name, same last 6 phone digits</source>
        <translation>Trùng họ tên, trùng 6 số cuối điện thoại</translation>
    </message>
    <message>
        <source>Same phone number</source>
        <translation>Trùng số điện thoại</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>Lý do</translation>
    </message>
</context>
<context>
    <name>FeedbackDialog</name>
    <message>
        <source> ★</source>
        <translation> ★</translation>
    </message>
    <message>
        <source>&amp;Comment:</source>
        <translation>&amp;Nhận xét:</translation>
    </message>
    <message>
        <source>&amp;Handled by:</source>
        <translation>Người &amp;xử lý:</translation>
    </message>
    <message>
        <source>&amp;Kind:</source>
        <translation>&amp;Loại:</translation>
    </message>
    <message>
        <source>&amp;Rating:</source>
        <translation>Đánh &amp;giá:</translation>
    </message>
    <message>
        <source>Feedback</source>
        <translation>Phản hồi</translation>
    </message>
    <message>
        <source>no rating</source>
        <translation>chưa chấm sao</translation>
    </message>
</context>
<context>
    <name>FeedbackModel</name>
    <message>
        <source>Comment</source>
        <translation>Nhận xét</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Ngày</translation>
    </message>
    <message>
        <source>Handled by</source>
        <translation>Người xử lý</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Loại</translation>
    </message>
    <message>
        <source>Rating</source>
        <translation>Đánh giá</translation>
    </message>
    <message>
        <source>Resolution:
{text}</source>
        <translation>Cách giải quyết:
{text}</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Trạng thái</translation>
    </message>
</context>
<context>
    <name>FeedbackTab</name>
    <message>
        <source>&amp;Add…</source>
        <translation>&amp;Thêm…</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>&amp;Sửa…</translation>
    </message>
    <message>
        <source>&amp;Resolve…</source>
        <translation>&amp;Giải quyết…</translation>
    </message>
    <message>
        <source>&amp;Take in hand…</source>
        <translation>Tiếp &amp;nhận xử lý…</translation>
    </message>
    <message>
        <source>, last {stars}</source>
        <translation>, gần nhất {stars}</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Xóa</translation>
    </message>
    <message>
        <source>Delete this feedback?</source>
        <translation>Xóa phản hồi này?</translation>
    </message>
    <message>
        <source>No feedback yet: record a rating, a suggestion or a complaint with Add…</source>
        <translation>Chưa có phản hồi: ghi lại đánh giá, góp ý hoặc khiếu nại bằng nút Thêm…</translation>
    </message>
    <message>
        <source>Re&amp;open</source>
        <translation>&amp;Mở lại</translation>
    </message>
    <message>
        <source>Satisfaction: {average}{last}; {count} open complaint(s).</source>
        <translation>Mức hài lòng: {average}{last}; {count} khiếu nại chưa giải quyết.</translation>
    </message>
    <message>
        <source>no rating yet</source>
        <translation>chưa có đánh giá</translation>
    </message>
    <message>
        <source>{average} ★ on average</source>
        <translation>trung bình {average} ★</translation>
    </message>
</context>
<context>
    <name>FileCommands</name>
    <message>
        <source>Back up the database</source>
        <translation>Sao lưu dữ liệu</translation>
    </message>
    <message>
        <source>Backing up…</source>
        <translation>Đang sao lưu…</translation>
    </message>
    <message>
        <source>Backup saved and verified: {path}</source>
        <translation>Đã sao lưu và kiểm tra bản sao lưu: {path}</translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Tệp Excel (*.xlsx)</translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx);;CSV (*.csv)</source>
        <translation>Tệp Excel (*.xlsx);;Tệp CSV (*.csv)</translation>
    </message>
    <message>
        <source>Export customers</source>
        <translation>Xuất danh sách khách hàng</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>Đang xuất dữ liệu…</translation>
    </message>
    <message>
        <source>Import customers or purchases</source>
        <translation>Nhập khách hàng hoặc lần mua hàng</translation>
    </message>
    <message>
        <source>Imported: {created} new, {updated} updated, {skipped} already there, {rejected} left out because of errors.</source>
        <translation>Đã nhập xong: {created} khách hàng mới, {updated} khách được cập nhật, {skipped} khách đã có sẵn, {rejected} dòng không nhập vì bị lỗi.</translation>
    </message>
    <message>
        <source>Importing {name}…</source>
        <translation>Đang nhập {name}…</translation>
    </message>
    <message>
        <source>Reading {name}…</source>
        <translation>Đang đọc {name}…</translation>
    </message>
    <message>
        <source>Save the import template</source>
        <translation>Lưu mẫu nhập dữ liệu</translation>
    </message>
    <message>
        <source>Save the rows that were left out, with the reason, to correct them and import them again?</source>
        <translation>Lưu các dòng không nhập được kèm lý do ra tệp riêng, để sửa lại rồi nhập lại?</translation>
    </message>
    <message>
        <source>Select the customers whose summaries to print.</source>
        <translation>Hãy chọn khách hàng cần in tóm tắt.</translation>
    </message>
    <message>
        <source>ShopCRM database (*.db)</source>
        <translation>Dữ liệu ShopCRM (*.db)</translation>
    </message>
    <message>
        <source>Spreadsheets and contacts (*.xlsx *.xlsm *.csv *.txt *.vcf)</source>
        <translation>Bảng tính và danh bạ (*.xlsx *.xlsm *.csv *.txt *.vcf)</translation>
    </message>
    <message>
        <source>The backup {name} was restored.</source>
        <translation>Đã khôi phục dữ liệu từ bản sao lưu {name}.</translation>
    </message>
    <message>
        <source>The data as it was before is kept in {path}: restore it to undo this.</source>
        <translation>Dữ liệu trước khi khôi phục được giữ trong {path}: khôi phục tệp đó nếu muốn quay lại như cũ.</translation>
    </message>
    <message>
        <source>Wait until the work in progress has finished, then restore.</source>
        <translation>Hãy đợi công việc đang chạy xong rồi mới khôi phục.</translation>
    </message>
    <message>
        <source>Written to {path}</source>
        <translation>Đã ghi vào {path}</translation>
    </message>
    <message>
        <source>import-template.xlsx</source>
        <translation>mau-nhap-khach-hang.xlsx</translation>
    </message>
    <message>
        <source>{count} customers written to {path}</source>
        <translation>Đã xuất {count} khách hàng ra tệp {path}</translation>
    </message>
</context>
<context>
    <name>FilterDialog</name>
    <message>
        <source>(none yet)</source>
        <translation>(chưa có)</translation>
    </message>
    <message>
        <source>Age group</source>
        <translation>Nhóm tuổi</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>Áp dụng</translation>
    </message>
    <message>
        <source>Birthday this month</source>
        <translation>Sinh nhật trong tháng này</translation>
    </message>
    <message>
        <source>Clear all</source>
        <translation>Bỏ chọn tất cả</translation>
    </message>
    <message>
        <source>Filter customers</source>
        <translation>Lọc khách hàng</translation>
    </message>
    <message>
        <source>Has an open complaint</source>
        <translation>Có khiếu nại chưa giải quyết</translation>
    </message>
    <message>
        <source>Open complaint</source>
        <translation>Có khiếu nại chưa giải quyết</translation>
    </message>
    <message>
        <source>Segment</source>
        <translation>Nhóm khách hàng</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Giá trị</translation>
    </message>
</context>
<context>
    <name>ImportConfirmDialog</name>
    <message>
        <source>Error</source>
        <translation>Lỗi</translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Tệp Excel (*.xlsx)</translation>
    </message>
    <message>
        <source>Save the rows that were not imported</source>
        <translation>Lưu các dòng chưa nhập được</translation>
    </message>
</context>
<context>
    <name>ImportHistoryDialog</name>
    <message>
        <source>&amp;Undo this import…</source>
        <translation>&amp;Hoàn tác lần nhập này…</translation>
    </message>
    <message>
        <source>Import history</source>
        <translation>Lịch sử nhập dữ liệu</translation>
    </message>
    <message>
        <source>Import undone: {count} care tasks removed.</source>
        <translation>Đã hoàn tác: xóa {count} việc chăm sóc.</translation>
    </message>
    <message>
        <source>Import undone: {count} contacts removed.</source>
        <translation>Đã hoàn tác: xóa {count} lần liên hệ.</translation>
    </message>
    <message>
        <source>Import undone: {count} feedback entries removed.</source>
        <translation>Đã hoàn tác: xóa {count} phản hồi.</translation>
    </message>
    <message>
        <source>Import undone: {removed} customers and {purchases} purchases removed, {restored} customers put back as they were.</source>
        <translation>Đã hoàn tác: xóa {removed} khách hàng và {purchases} lần mua, khôi phục {restored} khách hàng như trước.</translation>
    </message>
    <message>
        <source>No import yet.</source>
        <translation>Chưa có lần nhập nào.</translation>
    </message>
    <message>
        <source>Undo the import of {file} ({date})? What it added is removed and what it changed is put back.</source>
        <translation>Hoàn tác lần nhập {file} ({date})? Những gì đã thêm sẽ bị xóa và những gì đã sửa sẽ được trả lại như cũ.</translation>
    </message>
    <message>
        <source>Undoing an import removes the customers, purchases, contacts, feedback or care tasks it added and puts back the values it overwrote, in one step. A backup is taken first.</source>
        <translation>Hoàn tác một lần nhập sẽ xóa khách hàng, lần mua, lần liên hệ, phản hồi hoặc việc chăm sóc đã thêm và trả lại các giá trị đã bị ghi đè, trong một bước. Dữ liệu được sao lưu trước.</translation>
    </message>
</context>
<context>
    <name>ImportWizard</name>
    <message>
        <source>&amp;Import</source>
        <translation>&amp;Nhập</translation>
    </message>
    <message>
        <source>Amount (₫)</source>
        <translation>Số tiền (₫)</translation>
    </message>
    <message>
        <source>Assigned to</source>
        <translation>Người phụ trách</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>Kênh bán</translation>
    </message>
    <message>
        <source>Checking {name}…</source>
        <translation>Đang kiểm tra {name}…</translation>
    </message>
    <message>
        <source>Comment</source>
        <translation>Nhận xét</translation>
    </message>
    <message>
        <source>Created on</source>
        <translation>Ngày tạo</translation>
    </message>
    <message>
        <source>Customer code</source>
        <translation>Mã khách hàng</translation>
    </message>
    <message>
        <source>Customer phone</source>
        <translation>Số điện thoại khách hàng</translation>
    </message>
    <message>
        <source>Date and time</source>
        <translation>Ngày giờ</translation>
    </message>
    <message>
        <source>Done on</source>
        <translation>Ngày xong</translation>
    </message>
    <message>
        <source>Due date</source>
        <translation>Ngày đến hạn</translation>
    </message>
    <message>
        <source>Due time</source>
        <translation>Giờ hẹn</translation>
    </message>
    <message>
        <source>Handled by</source>
        <translation>Người xử lý</translation>
    </message>
    <message>
        <source>Import {name}</source>
        <translation>Nhập {name}</translation>
    </message>
    <message>
        <source>Items</source>
        <translation>Hàng đã mua</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Loại</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Ghi chú</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>Kết quả</translation>
    </message>
    <message>
        <source>Purchase date</source>
        <translation>Ngày mua</translation>
    </message>
    <message>
        <source>Rating (stars)</source>
        <translation>Đánh giá (sao)</translation>
    </message>
    <message>
        <source>Repeat</source>
        <translation>Lặp lại</translation>
    </message>
    <message>
        <source>Resolution</source>
        <translation>Cách giải quyết</translation>
    </message>
    <message>
        <source>Resolved on</source>
        <translation>Ngày giải quyết</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>Nhân viên</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>Giai đoạn</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Trạng thái</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>Bước</translation>
    </message>
    <message>
        <source>Task</source>
        <translation>Công việc</translation>
    </message>
    <message>
        <source>Testing the import…</source>
        <translation>Đang chạy thử…</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>Tiêu đề</translation>
    </message>
    <message>
        <source>What was said or done</source>
        <translation>Nội dung trao đổi</translation>
    </message>
</context>
<context>
    <name>ImportsModel</name>
    <message>
        <source>Added</source>
        <translation>Đã thêm</translation>
    </message>
    <message>
        <source>Care tasks</source>
        <translation>Việc chăm sóc</translation>
    </message>
    <message>
        <source>Contacts</source>
        <translation>Liên hệ</translation>
    </message>
    <message>
        <source>Customers</source>
        <translation>Khách hàng</translation>
    </message>
    <message>
        <source>Feedback</source>
        <translation>Phản hồi</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Tệp</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Loại</translation>
    </message>
    <message>
        <source>Left out</source>
        <translation>Bỏ qua do lỗi</translation>
    </message>
    <message>
        <source>Purchases</source>
        <translation>Lần mua hàng</translation>
    </message>
    <message>
        <source>Skipped</source>
        <translation>Đã có sẵn</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Trạng thái</translation>
    </message>
    <message>
        <source>Undone on {date}</source>
        <translation>Đã hoàn tác ngày {date}</translation>
    </message>
    <message>
        <source>Unfinished</source>
        <translation>Chưa hoàn tất</translation>
    </message>
    <message>
        <source>Updated</source>
        <translation>Đã cập nhật</translation>
    </message>
    <message>
        <source>When</source>
        <translation>Thời gian</translation>
    </message>
</context>
<context>
    <name>InteractionDialog</name>
    <message>
        <source>&amp;Kind:</source>
        <translation>&amp;Loại:</translation>
    </message>
    <message>
        <source>&amp;Staff:</source>
        <translation>&amp;Nhân viên:</translation>
    </message>
    <message>
        <source>&amp;What was said or done:</source>
        <translation>&amp;Nội dung trao đổi:</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>Liên hệ</translation>
    </message>
</context>
<context>
    <name>InteractionModel</name>
    <message>
        <source>Kind</source>
        <translation>Loại</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>Nhân viên</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>Nội dung</translation>
    </message>
    <message>
        <source>When</source>
        <translation>Thời gian</translation>
    </message>
</context>
<context>
    <name>Job</name>
    <message>
        <source>Cancel</source>
        <translation>Hủy</translation>
    </message>
</context>
<context>
    <name>LockDialog</name>
    <message>
        <source>Enter the app password to continue.</source>
        <translation>Nhập mật khẩu ứng dụng để tiếp tục.</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Thoát</translation>
    </message>
    <message>
        <source>ShopCRM is locked</source>
        <translation>ShopCRM đang khóa</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>Mở khóa</translation>
    </message>
    <message>
        <source>Wrong password. Try again.</source>
        <translation>Sai mật khẩu. Vui lòng thử lại.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>&amp;Audit log</source>
        <translation>&amp;Nhật ký thao tác</translation>
    </message>
    <message>
        <source>&amp;Back up now…</source>
        <translation>&amp;Sao lưu ngay…</translation>
    </message>
    <message>
        <source>&amp;Care rules…</source>
        <translation>Quy &amp;tắc chăm sóc…</translation>
    </message>
    <message>
        <source>&amp;Customer</source>
        <translation>&amp;Khách hàng</translation>
    </message>
    <message>
        <source>&amp;Database…</source>
        <translation>Cơ sở &amp;dữ liệu…</translation>
    </message>
    <message>
        <source>&amp;Delete to trash</source>
        <translation>&amp;Xóa vào thùng rác</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>&amp;Sửa</translation>
    </message>
    <message>
        <source>&amp;Export customers…</source>
        <translation>&amp;Xuất danh sách ra Excel…</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Tệp</translation>
    </message>
    <message>
        <source>&amp;Find customer</source>
        <translation>Tìm &amp;kiếm khách hàng</translation>
    </message>
    <message>
        <source>&amp;Import spreadsheet…</source>
        <translation>&amp;Nhập từ Excel…</translation>
    </message>
    <message>
        <source>&amp;Lock now</source>
        <translation>&amp;Khóa ngay</translation>
    </message>
    <message>
        <source>&amp;New customer</source>
        <translation>&amp;Thêm khách hàng mới</translation>
    </message>
    <message>
        <source>&amp;Print summaries…</source>
        <translation>&amp;In thông tin khách hàng…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Thoát</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>&amp;Làm lại</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>Làm &amp;mới</translation>
    </message>
    <message>
        <source>&amp;Restore from backup…</source>
        <translation>Khôi &amp;phục từ bản sao lưu…</translation>
    </message>
    <message>
        <source>&amp;Save customer</source>
        <translation>&amp;Lưu khách hàng</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>&amp;Công cụ</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>&amp;Hoàn tác</translation>
    </message>
    <message>
        <source>Add {name}</source>
        <translation>thêm {name}</translation>
    </message>
    <message>
        <source>Cannot reach the database; trying again in {seconds} seconds.</source>
        <translation>Không kết nối được cơ sở dữ liệu; sẽ thử lại sau {seconds} giây.</translation>
    </message>
    <message>
        <source>Care schedule: {overdue} overdue, {today} due today.</source>
        <translation>Lịch chăm sóc: {overdue} việc quá hạn, {today} việc cần làm hôm nay.</translation>
    </message>
    <message>
        <source>Delete {count} customer(s)</source>
        <translation>xóa {count} khách hàng</translation>
    </message>
    <message>
        <source>Download import &amp;template…</source>
        <translation>Tải &amp;mẫu nhập dữ liệu…</translation>
    </message>
    <message>
        <source>E&amp;xport this customer&apos;s data…</source>
        <translation>Xuất dữ liệ&amp;u của khách này…</translation>
    </message>
    <message>
        <source>Edit {name}</source>
        <translation>sửa {name}</translation>
    </message>
    <message>
        <source>Erase &amp;personal data…</source>
        <translation>Xóa &amp;dữ liệu cá nhân…</translation>
    </message>
    <message>
        <source>Erase the personal data of {name}? Name, phones, email, address, birthday, notes and what was said are removed for good; anonymous purchases stay in the reports. This cannot be undone.</source>
        <translation>Xóa dữ liệu cá nhân của {name}? Tên, số điện thoại, email, địa chỉ, ngày sinh, ghi chú và nội dung trao đổi sẽ bị xóa vĩnh viễn; các giao dịch (không còn tên) vẫn được giữ trong báo cáo. Không thể hoàn tác.</translation>
    </message>
    <message>
        <source>Export this customer&apos;s data</source>
        <translation>Xuất dữ liệu của khách này</translation>
    </message>
    <message>
        <source>Find d&amp;uplicates…</source>
        <translation>Tìm khách trùn&amp;g…</translation>
    </message>
    <message>
        <source>Import &amp;history…</source>
        <translation>&amp;Lịch sử nhập dữ liệu…</translation>
    </message>
    <message>
        <source>JSON file (*.json)</source>
        <translation>Tệp JSON (*.json)</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>Thanh công cụ chính</translation>
    </message>
    <message>
        <source>Move {count} customer(s) to the trash? They can be restored from the trash until it is emptied.</source>
        <translation>Chuyển {count} khách hàng vào thùng rác? Vẫn có thể khôi phục lại từ thùng rác cho đến khi thùng rác được dọn sạch.</translation>
    </message>
    <message>
        <source>Open &amp;complaints…</source>
        <translation>Khiếu &amp;nại chưa giải quyết…</translation>
    </message>
    <message>
        <source>Personal data erased.</source>
        <translation>Đã xóa dữ liệu cá nhân.</translation>
    </message>
    <message>
        <source>Print c&amp;all sheet…</source>
        <translation>In danh sách &amp;gọi hôm nay…</translation>
    </message>
    <message>
        <source>Print customer &amp;list…</source>
        <translation>In &amp;danh sách khách hàng…</translation>
    </message>
    <message>
        <source>Re&amp;ports dashboard…</source>
        <translation>&amp;Báo cáo tổng quan…</translation>
    </message>
    <message>
        <source>Sa&amp;ve customer list as PDF…</source>
        <translation>Lưu danh sách thàn&amp;h PDF…</translation>
    </message>
    <message>
        <source>Save call sheet as PD&amp;F…</source>
        <translation>Lưu danh sách gọi thành PDF (&amp;E)…</translation>
    </message>
    <message>
        <source>Save summaries as P&amp;DF…</source>
        <translation>Lưu tóm tắt thành PD&amp;F…</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>Đã lưu.</translation>
    </message>
    <message>
        <source>Se&amp;ttings…</source>
        <translation>&amp;Cài đặt…</translation>
    </message>
    <message>
        <source>Segment &amp;rules…</source>
        <translation>Quy tắc &amp;phân nhóm…</translation>
    </message>
    <message>
        <source>ShopCRM</source>
        <translation>ShopCRM</translation>
    </message>
    <message>
        <source>ShopCRM — demo data</source>
        <translation>ShopCRM — dữ liệu mẫu</translation>
    </message>
    <message>
        <source>T&amp;rash…</source>
        <translation>Thùng &amp;rác…</translation>
    </message>
    <message>
        <source>Written to {path}</source>
        <translation>Đã ghi vào {path}</translation>
    </message>
    <message>
        <source>{count} customer(s) moved to the trash.</source>
        <translation>Đã chuyển {count} khách hàng vào thùng rác.</translation>
    </message>
    <message>
        <source>{shown} of {total} customers shown</source>
        <translation>Đang hiển thị {shown} / {total} khách hàng</translation>
    </message>
    <message>
        <source>{title} (read-only)</source>
        <translation>{title} (chỉ xem)</translation>
    </message>
</context>
<context>
    <name>MergeDialog</name>
    <message>
        <source>&amp;Merge</source>
        <translation>&amp;Gộp</translation>
    </message>
    <message>
        <source>Keep the customer</source>
        <translation>Giữ lại khách hàng</translation>
    </message>
    <message>
        <source>Merge customers</source>
        <translation>Gộp khách hàng trùng</translation>
    </message>
    <message>
        <source>Merge {codes} into {code} ({name})? The merged customers are deleted after everything of theirs has moved; this cannot be undone.</source>
        <translation>Gộp {codes} vào {code} ({name})? Các khách hàng được gộp sẽ bị xóa sau khi mọi dữ liệu của họ đã được chuyển sang; không thể hoàn tác.</translation>
    </message>
    <message>
        <source>Referred by (code)</source>
        <translation>Người giới thiệu (mã khách hàng)</translation>
    </message>
    <message>
        <source>Their purchases, notes, feedback, care tasks, consents and tags all go to the customer kept; the others are then deleted. Choose the value to keep where they differ.</source>
        <translation>Toàn bộ lần mua, ghi chú, phản hồi, việc chăm sóc, sự đồng ý và nhãn đều chuyển sang khách hàng được giữ lại; các khách hàng còn lại sau đó bị xóa. Ở những mục khác nhau, hãy chọn giá trị cần giữ.</translation>
    </message>
    <message>
        <source>no</source>
        <translation>không</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>có</translation>
    </message>
    <message>
        <source>{value} (from {code})</source>
        <translation>{value} (của {code})</translation>
    </message>
</context>
<context>
    <name>PreviewModel</name>
    <message>
        <source>Problems</source>
        <translation>Lỗi</translation>
    </message>
    <message>
        <source>Row</source>
        <translation>Dòng</translation>
    </message>
</context>
<context>
    <name>PurchaseDialog</name>
    <message>
        <source>&amp;Amount (₫):</source>
        <translation>&amp;Số tiền (₫):</translation>
    </message>
    <message>
        <source>&amp;Channel:</source>
        <translation>&amp;Kênh:</translation>
    </message>
    <message>
        <source>&amp;Date:</source>
        <translation>&amp;Ngày:</translation>
    </message>
    <message>
        <source>&amp;Items:</source>
        <translation>&amp;Hàng đã mua:</translation>
    </message>
    <message>
        <source>&amp;Note:</source>
        <translation>&amp;Ghi chú:</translation>
    </message>
    <message>
        <source>Purchase</source>
        <translation>Lần mua hàng</translation>
    </message>
    <message>
        <source>dd/mm/yyyy</source>
        <translation>ngày/tháng/năm</translation>
    </message>
    <message>
        <source>e.g. 1.250.000</source>
        <translation>vd: 1.250.000</translation>
    </message>
</context>
<context>
    <name>PurchaseModel</name>
    <message>
        <source>Amount</source>
        <translation>Số tiền</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>Kênh</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Ngày</translation>
    </message>
    <message>
        <source>Items</source>
        <translation>Hàng đã mua</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Ghi chú</translation>
    </message>
</context>
<context>
    <name>PurchasesTab</name>
    <message>
        <source>&amp;Add…</source>
        <translation>&amp;Thêm…</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>&amp;Sửa…</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Xóa</translation>
    </message>
    <message>
        <source>Delete the purchase of {date} ({amount})?</source>
        <translation>Xóa lần mua ngày {date} ({amount})?</translation>
    </message>
    <message>
        <source>No purchases yet: add the first with Add…</source>
        <translation>Chưa có lần mua nào: thêm lần đầu bằng nút Thêm…</translation>
    </message>
    <message>
        <source>No purchases.</source>
        <translation>Chưa mua lần nào.</translation>
    </message>
    <message>
        <source>{count} purchase(s), {total} in all, {average} on average. First {first}, last {last} ({days} day(s) ago).</source>
        <translation>{count} lần mua, tổng {total}, trung bình {average}. Lần đầu {first}, gần nhất {last} ({days} ngày trước).</translation>
    </message>
</context>
<context>
    <name>RecordsTab</name>
    <message>
        <source>Confirm</source>
        <translation>Xác nhận</translation>
    </message>
    <message>
        <source>Not saved</source>
        <translation>Chưa lưu</translation>
    </message>
</context>
<context>
    <name>RestoreDialog</name>
    <message>
        <source>&amp;Choose folder…</source>
        <translation>&amp;Chọn thư mục…</translation>
    </message>
    <message>
        <source>&amp;Open folder…</source>
        <translation>&amp;Mở thư mục…</translation>
    </message>
    <message>
        <source>&amp;Restore…</source>
        <translation>&amp;Khôi phục…</translation>
    </message>
    <message>
        <source>Backups folder: {folder}
Last backup: {when}</source>
        <translation>Thư mục sao lưu: {folder}
Sao lưu gần nhất: {when}</translation>
    </message>
    <message>
        <source>Choose the backups folder</source>
        <translation>Chọn thư mục lưu bản sao lưu</translation>
    </message>
    <message>
        <source>Replace all the data with the backup of {when}? Whatever was changed since then is replaced too; it is backed up first, so you can restore it again.</source>
        <translation>Thay toàn bộ dữ liệu bằng bản sao lưu lúc {when}? Những gì đã thay đổi từ lúc đó cũng bị thay thế; dữ liệu hiện tại sẽ được sao lưu trước nên bạn vẫn có thể khôi phục lại.</translation>
    </message>
    <message>
        <source>Restore from backup</source>
        <translation>Khôi phục từ bản sao lưu</translation>
    </message>
    <message>
        <source>ShopCRM backs up by itself before imports, upgrades and emptying the trash, every half hour while you work, and when you close it. Restoring replaces all the data with the backup&apos;s; the data as it is now is backed up first, so a restore can be undone.</source>
        <translation>ShopCRM tự sao lưu trước khi nhập dữ liệu, nâng cấp và dọn thùng rác, cứ nửa giờ một lần khi bạn đang làm việc, và khi bạn đóng chương trình. Khôi phục sẽ thay toàn bộ dữ liệu bằng dữ liệu trong bản sao lưu; dữ liệu hiện tại được sao lưu trước, nên việc khôi phục có thể hoàn tác.</translation>
    </message>
    <message>
        <source>none yet</source>
        <translation>chưa có</translation>
    </message>
</context>
<context>
    <name>RulesModel</name>
    <message>
        <source>Days</source>
        <translation>Số ngày</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Lời nhắn</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Tên</translation>
    </message>
    <message>
        <source>On</source>
        <translation>Bật</translation>
    </message>
    <message>
        <source>Task</source>
        <translation>Công việc</translation>
    </message>
    <message>
        <source>Trigger</source>
        <translation>Khi nào</translation>
    </message>
</context>
<context>
    <name>RunPage</name>
    <message>
        <source>&amp;Test (writes nothing)</source>
        <translation>&amp;Chạy thử (không ghi gì)</translation>
    </message>
    <message>
        <source>Add them again</source>
        <translation>Vẫn thêm vào</translation>
    </message>
    <message>
        <source>Add them again as new customers</source>
        <translation>Vẫn thêm thành khách hàng mới</translation>
    </message>
    <message>
        <source>Already stored (same code, phone or email):</source>
        <translation>Đã có sẵn (trùng mã, số điện thoại hoặc email):</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>Nhập dữ liệu</translation>
    </message>
    <message>
        <source>Skip the ones already stored</source>
        <translation>Bỏ qua những mục đã có</translation>
    </message>
    <message>
        <source>Skip them (keep what is stored)</source>
        <translation>Bỏ qua (giữ dữ liệu đang có)</translation>
    </message>
    <message>
        <source>Test run, nothing was written: {created} would be added, {updated} updated, {skipped} skipped as already stored, {rejected} left out because of errors.</source>
        <translation>Chạy thử, chưa ghi gì: sẽ thêm {created}, cập nhật {updated}, bỏ qua {skipped} vì đã có, {rejected} dòng bị loại do lỗi.</translation>
    </message>
    <message>
        <source>The import is one step: it either finishes or changes nothing. A backup is taken first.</source>
        <translation>Việc nhập diễn ra trong một bước: hoặc hoàn tất, hoặc không thay đổi gì. Dữ liệu được sao lưu trước.</translation>
    </message>
    <message>
        <source>Update them with the file&apos;s values</source>
        <translation>Cập nhật bằng giá trị trong tệp</translation>
    </message>
</context>
<context>
    <name>SegmentRulesDialog</name>
    <message>
        <source>Computing the segments again…</source>
        <translation>Đang tính lại nhóm khách hàng…</translation>
    </message>
    <message>
        <source>Segment rules</source>
        <translation>Quy tắc phân nhóm khách hàng</translation>
    </message>
    <message>
        <source>Segments are computed from purchases: potential (no purchase yet), lapsed, loyal, first big purchase, new — the first rule that holds, in that order. Value tiers rank customers by what they spent in all.</source>
        <translation>Nhóm khách hàng được tính từ các lần mua: tiềm năng (chưa mua lần nào), không quay lại, trung thành, lần đầu mua sắm lớn, mới — theo quy tắc đầu tiên đúng, theo thứ tự đó. Mức giá trị xếp khách theo tổng số tiền đã chi.</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source> min</source>
        <translation> phút</translation>
    </message>
    <message>
        <source>A new language applies the next time ShopCRM starts.</source>
        <translation>Ngôn ngữ mới sẽ được áp dụng từ lần mở ShopCRM tiếp theo.</translation>
    </message>
    <message>
        <source>App password (asked at start)</source>
        <translation>Mật khẩu ứng dụng (hỏi khi mở)</translation>
    </message>
    <message>
        <source>Database</source>
        <translation>Nơi lưu dữ liệu</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Ngôn ngữ</translation>
    </message>
    <message>
        <source>Leave empty for no password</source>
        <translation>Để trống nếu không dùng mật khẩu</translation>
    </message>
    <message>
        <source>Leave empty to keep it</source>
        <translation>Để trống để giữ mật khẩu hiện tại</translation>
    </message>
    <message>
        <source>Lock when idle for</source>
        <translation>Tự khóa khi không dùng trong</translation>
    </message>
    <message>
        <source>Remove the app password</source>
        <translation>Bỏ mật khẩu ứng dụng</translation>
    </message>
    <message>
        <source>Repeat the password</source>
        <translation>Nhập lại mật khẩu</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Cài đặt</translation>
    </message>
    <message>
        <source>Shop name (in messages and printouts)</source>
        <translation>Tên cửa hàng (dùng trong tin nhắn và bản in)</translation>
    </message>
    <message>
        <source>The two passwords are not the same.</source>
        <translation>Hai mật khẩu không giống nhau.</translation>
    </message>
    <message>
        <source>e.g. Tiệm may Hà Linh</source>
        <translation>VD: Tiệm may Hà Linh</translation>
    </message>
    <message>
        <source>never</source>
        <translation>không bao giờ</translation>
    </message>
</context>
<context>
    <name>Sidebar</name>
    <message>
        <source>(none yet: filter the list, then save it)</source>
        <translation>(chưa có: hãy lọc danh sách rồi lưu lại)</translation>
    </message>
    <message>
        <source>All customers</source>
        <translation>Tất cả khách hàng</translation>
    </message>
    <message>
        <source>Birthdays this month</source>
        <translation>Sinh nhật trong tháng</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Xóa</translation>
    </message>
    <message>
        <source>Delete the smart list “{name}”? No customer is deleted.</source>
        <translation>Xóa danh sách thông minh “{name}”? Không khách hàng nào bị xóa.</translation>
    </message>
    <message>
        <source>Edit filter…</source>
        <translation>Sửa điều kiện lọc…</translation>
    </message>
    <message>
        <source>Lists</source>
        <translation>Danh sách</translation>
    </message>
    <message>
        <source>Name of the list:</source>
        <translation>Tên danh sách:</translation>
    </message>
    <message>
        <source>New smart list…</source>
        <translation>Danh sách thông minh mới…</translation>
    </message>
    <message>
        <source>Open complaints</source>
        <translation>Khiếu nại chưa giải quyết</translation>
    </message>
    <message>
        <source>Rename smart list</source>
        <translation>Đổi tên danh sách thông minh</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>Đổi tên…</translation>
    </message>
    <message>
        <source>Save as smart list</source>
        <translation>Lưu thành danh sách thông minh</translation>
    </message>
    <message>
        <source>ShopCRM</source>
        <translation>ShopCRM</translation>
    </message>
    <message>
        <source>Smart lists</source>
        <translation>Danh sách thông minh</translation>
    </message>
</context>
<context>
    <name>SnoozeDialog</name>
    <message>
        <source>Put off {task} ({name}) to:</source>
        <translation>Dời {task} ({name}) đến:</translation>
    </message>
    <message>
        <source>Snooze to a date</source>
        <translation>Dời đến một ngày</translation>
    </message>
</context>
<context>
    <name>TagsEdit</name>
    <message>
        <source>e.g. áo dài, VIP (separate with commas)</source>
        <translation>vd: áo dài, VIP (cách nhau bằng dấu phẩy)</translation>
    </message>
</context>
<context>
    <name>TaskTableModel</name>
    <message>
        <source>Customer</source>
        <translation>Khách hàng</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>Hạn</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Trạng thái</translation>
    </message>
    <message>
        <source>Task</source>
        <translation>Công việc</translation>
    </message>
</context>
<context>
    <name>TopCustomersModel</name>
    <message>
        <source>Code</source>
        <translation>Mã KH</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Tên</translation>
    </message>
    <message>
        <source>Purchases</source>
        <translation>Số lần mua</translation>
    </message>
    <message>
        <source>Spent</source>
        <translation>Đã chi</translation>
    </message>
</context>
<context>
    <name>TopReferrersModel</name>
    <message>
        <source>Code</source>
        <translation>Mã KH</translation>
    </message>
    <message>
        <source>Customers referred</source>
        <translation>Khách đã giới thiệu</translation>
    </message>
    <message>
        <source>In the period</source>
        <translation>Trong kỳ</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Tên</translation>
    </message>
</context>
<context>
    <name>TrashDialog</name>
    <message>
        <source> A backup is made first, so a restore can bring them back.</source>
        <translation> ShopCRM sẽ sao lưu trước, nên vẫn có thể khôi phục lại.</translation>
    </message>
    <message>
        <source>&amp;Empty the trash…</source>
        <translation>Dọn &amp;sạch thùng rác…</translation>
    </message>
    <message>
        <source>&amp;Restore selected</source>
        <translation>&amp;Khôi phục khách đã chọn</translation>
    </message>
    <message>
        <source>Customers stay here until the trash is emptied.</source>
        <translation>Khách hàng nằm ở đây cho tới khi thùng rác được dọn sạch.</translation>
    </message>
    <message>
        <source>Delete {count} customer(s) and all their purchases, notes and tasks for good?</source>
        <translation>Xóa vĩnh viễn {count} khách hàng cùng toàn bộ giao dịch, ghi chú và việc chăm sóc của họ?</translation>
    </message>
    <message>
        <source>The trash is empty.</source>
        <translation>Thùng rác đang trống.</translation>
    </message>
    <message>
        <source>Trash</source>
        <translation>Thùng rác</translation>
    </message>
</context>
<context>
    <name>TrashModel</name>
    <message>
        <source>Code</source>
        <translation>Mã KH</translation>
    </message>
    <message>
        <source>Deleted on</source>
        <translation>Ngày xóa</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Tên khách hàng</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Điện thoại</translation>
    </message>
</context>
<context>
    <name>app</name>
    <message>
        <source>Change database…</source>
        <translation>Đổi cơ sở dữ liệu…</translation>
    </message>
    <message>
        <source>Open read-only</source>
        <translation>Mở chỉ để xem</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Thoát</translation>
    </message>
    <message>
        <source>Restore the newest backup</source>
        <translation>Khôi phục bản sao lưu mới nhất</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>Thử lại</translation>
    </message>
</context>
<context>
    <name>care_rules</name>
    <message>
        <source>After a purchase</source>
        <translation>Sau khi mua hàng</translation>
    </message>
    <message>
        <source>Birthday</source>
        <translation>Sinh nhật</translation>
    </message>
    <message>
        <source>Complaint</source>
        <translation>Khiếu nại</translation>
    </message>
    <message>
        <source>Customer became lapsed</source>
        <translation>Khách không quay lại</translation>
    </message>
    <message>
        <source>Customer became loyal</source>
        <translation>Khách trở thành trung thành</translation>
    </message>
    <message>
        <source>New customer</source>
        <translation>Khách hàng mới</translation>
    </message>
    <message>
        <source>date of the last purchase</source>
        <translation>ngày mua gần nhất</translation>
    </message>
    <message>
        <source>days after becoming lapsed</source>
        <translation>số ngày sau khi không quay lại</translation>
    </message>
    <message>
        <source>days after becoming loyal</source>
        <translation>số ngày sau khi thành khách trung thành</translation>
    </message>
    <message>
        <source>days after the birthday (negative: before)</source>
        <translation>số ngày sau sinh nhật (số âm: trước)</translation>
    </message>
    <message>
        <source>days after the complaint (1: within 24 hours)</source>
        <translation>số ngày sau khiếu nại (1: trong 24 giờ)</translation>
    </message>
    <message>
        <source>days after the customer was added</source>
        <translation>số ngày sau khi thêm khách</translation>
    </message>
    <message>
        <source>days after the purchase</source>
        <translation>số ngày sau khi mua</translation>
    </message>
    <message>
        <source>full name</source>
        <translation>họ và tên</translation>
    </message>
    <message>
        <source>given name</source>
        <translation>tên</translation>
    </message>
    <message>
        <source>how to address them: chị, anh, quý khách</source>
        <translation>cách xưng hô: chị, anh, quý khách</translation>
    </message>
    <message>
        <source>loyalty points</source>
        <translation>điểm tích lũy</translation>
    </message>
    <message>
        <source>the same, capitalised</source>
        <translation>như trên, viết hoa chữ đầu</translation>
    </message>
    <message>
        <source>the shop&apos;s name</source>
        <translation>tên cửa hàng</translation>
    </message>
    <message>
        <source>what they bought last</source>
        <translation>món hàng mua gần nhất</translation>
    </message>
</context>
<context>
    <name>complaints</name>
    <message>
        <source>How was the complaint resolved?</source>
        <translation>Khiếu nại đã được giải quyết thế nào?</translation>
    </message>
    <message>
        <source>Resolve</source>
        <translation>Giải quyết</translation>
    </message>
    <message>
        <source>Take in hand</source>
        <translation>Tiếp nhận xử lý</translation>
    </message>
    <message>
        <source>Who handles this complaint?</source>
        <translation>Ai xử lý khiếu nại này?</translation>
    </message>
</context>
<context>
    <name>errors</name>
    <message>
        <source>&quot;{code}&quot; is not a customer code: at most 20 letters and digits, no spaces.</source>
        <translation>“{code}” không phải là mã khách hàng hợp lệ: tối đa 20 chữ cái và chữ số, không có dấu cách.</translation>
    </message>
    <message>
        <source>&quot;{email}&quot; is not an email address (name@example.com).</source>
        <translation>“{email}” không phải là địa chỉ email hợp lệ (ví dụ: ten@example.com).</translation>
    </message>
    <message>
        <source>&quot;{text}&quot; is not a date and time.</source>
        <translation>&quot;{text}&quot; không phải là ngày giờ.</translation>
    </message>
    <message>
        <source>&quot;{text}&quot; is not a date: write it as dd/mm/yyyy.</source>
        <translation>“{text}” không phải là ngày: vui lòng ghi theo dạng ngày/tháng/năm (dd/mm/yyyy).</translation>
    </message>
    <message>
        <source>&quot;{text}&quot; is not a step number (1 to 99).</source>
        <translation>&quot;{text}&quot; không phải là số bước (1 đến 99).</translation>
    </message>
    <message>
        <source>&quot;{text}&quot; is not a time (write it as 14:30).</source>
        <translation>&quot;{text}&quot; không phải là giờ (hãy ghi như 14:30).</translation>
    </message>
    <message>
        <source>&quot;{value}&quot; is not a gender: write Nam, Nữ or Khác (or leave it empty).</source>
        <translation>“{value}” không phải là giới tính: vui lòng ghi Nam, Nữ hoặc Khác (hoặc để trống).</translation>
    </message>
    <message>
        <source>&quot;{value}&quot; is not a kind of customer: write Cá nhân or Công ty.</source>
        <translation>“{value}” không phải là loại khách: vui lòng ghi Cá nhân hoặc Công ty.</translation>
    </message>
    <message>
        <source>&quot;{value}&quot; is not an amount of money in đồng.</source>
        <translation>“{value}” không phải là số tiền hợp lệ (tính bằng đồng).</translation>
    </message>
    <message>
        <source>&quot;{value}&quot; is not an amount: write a whole number of đồng.</source>
        <translation>&quot;{value}&quot; không phải là số tiền: hãy ghi số đồng (số nguyên).</translation>
    </message>
    <message>
        <source>&quot;{value}&quot; is not one of the choices.</source>
        <translation>“{value}” không có trong danh sách lựa chọn.</translation>
    </message>
    <message>
        <source>&quot;{value}&quot; is not yes or no: write x or leave it empty.</source>
        <translation>“{value}” không phải là có/không: ghi x nếu có, để trống nếu không.</translation>
    </message>
    <message>
        <source>A birthday of {date} is not possible.</source>
        <translation>Ngày sinh {date} không hợp lý, vui lòng kiểm tra lại.</translation>
    </message>
    <message>
        <source>A customer needs a name.</source>
        <translation>Vui lòng nhập tên khách hàng.</translation>
    </message>
    <message>
        <source>A customer to merge no longer exists.</source>
        <translation>Một khách hàng cần gộp không còn tồn tại.</translation>
    </message>
    <message>
        <source>A password needs at least {count} characters.</source>
        <translation>Mật khẩu cần có ít nhất {count} ký tự.</translation>
    </message>
    <message>
        <source>A purchase cannot be dated after today ({today}).</source>
        <translation>Ngày mua không thể sau hôm nay ({today}).</translation>
    </message>
    <message>
        <source>A purchase needs a date.</source>
        <translation>Lần mua hàng cần có ngày.</translation>
    </message>
    <message>
        <source>A rating is 1 to 5 stars.</source>
        <translation>Đánh giá từ 1 đến 5 sao.</translation>
    </message>
    <message>
        <source>A repeat is &quot;yearly&quot;, &quot;days:N&quot; or &quot;months:N&quot;.</source>
        <translation>Lặp lại phải là &quot;yearly&quot;, &quot;days:N&quot; hoặc &quot;months:N&quot;.</translation>
    </message>
    <message>
        <source>A smart list&apos;s name can have at most {max} characters.</source>
        <translation>Tên danh sách thông minh dài tối đa {max} ký tự.</translation>
    </message>
    <message>
        <source>A tag can have at most {limit} characters: “{tag}”.</source>
        <translation>Mỗi nhãn dài tối đa {limit} ký tự: “{tag}”.</translation>
    </message>
    <message>
        <source>A task can only be done or skipped.</source>
        <translation>Chỉ có thể đánh dấu một việc là đã xong hoặc bỏ qua.</translation>
    </message>
    <message>
        <source>An amount must be more than 0 ₫ and less than {limit} ₫.</source>
        <translation>Số tiền phải lớn hơn 0 ₫ và nhỏ hơn {limit} ₫.</translation>
    </message>
    <message>
        <source>Backups of a shared PostgreSQL database are made on the server (pg_dump).</source>
        <translation>Dữ liệu dùng chung trên máy chủ PostgreSQL được sao lưu ngay trên máy chủ (bằng pg_dump), không sao lưu từ máy này được.</translation>
    </message>
    <message>
        <source>Cannot export to {name}: choose a file name ending in .xlsx or .csv.</source>
        <translation>Không xuất được ra {name}: vui lòng chọn tên tệp có đuôi .xlsx hoặc .csv.</translation>
    </message>
    <message>
        <source>Cannot keep a copy of the current database ({reason}), so nothing was restored.</source>
        <translation>Không giữ được bản sao của dữ liệu hiện tại ({reason}), nên chưa khôi phục gì cả.</translation>
    </message>
    <message>
        <source>Cannot open the database {url}: {reason}</source>
        <translation>Không mở được cơ sở dữ liệu {url}: {reason}</translation>
    </message>
    <message>
        <source>Cannot restore the backup: {reason}. Nothing was changed.</source>
        <translation>Không khôi phục được bản sao lưu: {reason}. Dữ liệu chưa bị thay đổi.</translation>
    </message>
    <message>
        <source>Cannot use the database address {url}: {reason}</source>
        <translation>Không dùng được địa chỉ cơ sở dữ liệu {url}: {reason}</translation>
    </message>
    <message>
        <source>Cannot write the backup {path}: {reason}</source>
        <translation>Không ghi được bản sao lưu {path}: {reason}</translation>
    </message>
    <message>
        <source>Cannot write {path}: {reason}</source>
        <translation>Không ghi được tệp {path}: {reason}</translation>
    </message>
    <message>
        <source>Choose at least one filter to save as a smart list.</source>
        <translation>Hãy chọn ít nhất một điều kiện lọc để lưu thành danh sách thông minh.</translation>
    </message>
    <message>
        <source>Choose at least two different customers to merge.</source>
        <translation>Hãy chọn ít nhất hai khách hàng khác nhau để gộp.</translation>
    </message>
    <message>
        <source>Customers were changed at another counter during the import, so nothing was imported. Import the file again.</source>
        <translation>Trong lúc nhập, thông tin khách hàng đã được sửa ở quầy khác nên chưa có gì được nhập. Vui lòng nhập lại tệp.</translation>
    </message>
    <message>
        <source>Export cancelled; no file was written.</source>
        <translation>Đã hủy xuất dữ liệu; không có tệp nào được ghi.</translation>
    </message>
    <message>
        <source>Give a rating or write a comment.</source>
        <translation>Hãy chấm sao hoặc ghi nhận xét.</translation>
    </message>
    <message>
        <source>Give the smart list a name.</source>
        <translation>Hãy đặt tên cho danh sách thông minh.</translation>
    </message>
    <message>
        <source>High and low value together cannot be more than 100 %.</source>
        <translation>Tỷ lệ giá trị cao và giá trị thấp cộng lại không được quá 100 %.</translation>
    </message>
    <message>
        <source>No column holds the customers&apos; names in {name} (its columns: {headers}): choose which column is the name.</source>
        <translation>Không có cột nào trong {name} chứa tên khách hàng (các cột hiện có: {headers}): vui lòng chọn cột nào là cột tên.</translation>
    </message>
    <message>
        <source>No column of {name} holds the customer code or phone (its columns: {headers}): choose which column says whose purchase it is.</source>
        <translation>Không cột nào của {name} chứa mã khách hàng hoặc số điện thoại (các cột: {headers}): hãy chọn cột cho biết lần mua là của ai.</translation>
    </message>
    <message>
        <source>No column of {name} holds the {what} (its columns: {headers}): choose which column it is.</source>
        <translation>Không cột nào của {name} chứa {what} (các cột: {headers}): hãy chọn cột đó.</translation>
    </message>
    <message>
        <source>No column of {name} holds the {what} of the purchases (its columns: {headers}): choose which column it is.</source>
        <translation>Không cột nào của {name} chứa {what} của các lần mua (các cột: {headers}): hãy chọn cột đó.</translation>
    </message>
    <message>
        <source>No customer has the code {code}.</source>
        <translation>Không có khách hàng nào có mã {code}.</translation>
    </message>
    <message>
        <source>No customer has the phone number {phone}.</source>
        <translation>Không có khách hàng nào có số điện thoại {phone}.</translation>
    </message>
    <message>
        <source>Only a complaint has a status.</source>
        <translation>Chỉ khiếu nại mới có trạng thái xử lý.</translation>
    </message>
    <message>
        <source>Only a database file (SQLite) is restored from a backup file; a shared PostgreSQL database is restored on its server (pg_restore).</source>
        <translation>Chỉ có thể khôi phục tệp dữ liệu (SQLite) từ tệp sao lưu; cơ sở dữ liệu PostgreSQL dùng chung được khôi phục ngay trên máy chủ (bằng pg_restore).</translation>
    </message>
    <message>
        <source>Only a resolved complaint can be reopened.</source>
        <translation>Chỉ có thể mở lại khiếu nại đã giải quyết.</translation>
    </message>
    <message>
        <source>Only an open complaint can be taken in hand.</source>
        <translation>Chỉ có thể tiếp nhận xử lý khiếu nại đang mở.</translation>
    </message>
    <message>
        <source>Put a task off to today or later.</source>
        <translation>Chỉ có thể dời việc đến hôm nay hoặc sau đó.</translation>
    </message>
    <message>
        <source>Say who handles the complaint.</source>
        <translation>Hãy ghi người xử lý khiếu nại.</translation>
    </message>
    <message>
        <source>Some fields need correcting.</source>
        <translation>Một số ô cần được sửa lại.</translation>
    </message>
    <message>
        <source>Some segment rules need correcting.</source>
        <translation>Một số quy tắc phân nhóm cần sửa lại.</translation>
    </message>
    <message>
        <source>The amount of the purchase is missing.</source>
        <translation>Thiếu số tiền của lần mua.</translation>
    </message>
    <message>
        <source>The backup copy is damaged ({reason}); no file was replaced.</source>
        <translation>Bản sao lưu bị lỗi ({reason}); chưa có tệp nào bị thay thế.</translation>
    </message>
    <message>
        <source>The backup {path} is damaged ({reason}) and cannot be restored. Nothing was changed; choose another backup.</source>
        <translation>Bản sao lưu {path} bị hỏng ({reason}) nên không khôi phục được. Dữ liệu chưa bị thay đổi; hãy chọn bản sao lưu khác.</translation>
    </message>
    <message>
        <source>The code {code} is already used by another customer (perhaps one in the trash).</source>
        <translation>Mã {code} đã được dùng cho một khách hàng khác (có thể là khách hàng đang nằm trong thùng rác).</translation>
    </message>
    <message>
        <source>The copy of the table {table} holds {found} rows where the shop has {expected}; nothing was written to {url}.</source>
        <translation>Bản sao của bảng {table} có {found} dòng trong khi cửa hàng có {expected}; không có gì được ghi vào {url}.</translation>
    </message>
    <message>
        <source>The copy to {url} failed: {reason}. Nothing was written there.</source>
        <translation>Sao chép sang {url} không thành công: {reason}. Không có gì được ghi vào đó.</translation>
    </message>
    <message>
        <source>The customer of this row was deleted meanwhile.</source>
        <translation>Khách hàng của dòng này vừa bị xóa.</translation>
    </message>
    <message>
        <source>The customer to keep is in the trash: restore it first.</source>
        <translation>Khách hàng được giữ lại đang ở trong thùng rác: hãy khôi phục trước.</translation>
    </message>
    <message>
        <source>The database {path} is damaged ({reason}). ShopCRM has only read it, so nothing got worse: open it read-only to see and export your customers, and restore the newest backup, {newest}.</source>
        <translation>Tệp dữ liệu {path} bị hỏng ({reason}). ShopCRM mới chỉ đọc tệp này nên không làm hỏng thêm. Hãy mở ở chế độ chỉ xem để xem và xuất danh sách khách hàng, rồi khôi phục bản sao lưu mới nhất: {newest}.</translation>
    </message>
    <message>
        <source>The database {path} is damaged ({reason}). ShopCRM has only read it, so nothing got worse: open it read-only to see and export your customers. No backup was found in {folder}.</source>
        <translation>Tệp dữ liệu {path} bị hỏng ({reason}). ShopCRM mới chỉ đọc tệp này nên không làm hỏng thêm. Hãy mở ở chế độ chỉ xem để xem và xuất danh sách khách hàng. Không tìm thấy bản sao lưu nào trong {folder}.</translation>
    </message>
    <message>
        <source>The database {path} is open in another ShopCRM window. Close it there, then restore the backup; nothing was changed.</source>
        <translation>Dữ liệu {path} đang được mở ở một cửa sổ ShopCRM khác. Hãy đóng cửa sổ đó rồi khôi phục bản sao lưu; dữ liệu chưa bị thay đổi.</translation>
    </message>
    <message>
        <source>The database {url} is not empty. A shop is copied only into an empty database, never merged into another or written over it; nothing was changed there.</source>
        <translation>Cơ sở dữ liệu {url} không trống. Dữ liệu cửa hàng chỉ được sao chép vào một cơ sở dữ liệu trống, không bao giờ gộp vào hay ghi đè lên cơ sở dữ liệu khác; không có gì ở đó bị thay đổi.</translation>
    </message>
    <message>
        <source>The date of the purchase is missing.</source>
        <translation>Thiếu ngày mua.</translation>
    </message>
    <message>
        <source>The import of {file} never finished, so there is nothing to undo.</source>
        <translation>Lần nhập {file} chưa bao giờ hoàn tất nên không có gì để hoàn tác.</translation>
    </message>
    <message>
        <source>The import of {file} was already undone on {date}.</source>
        <translation>Lần nhập {file} đã được hoàn tác ngày {date}.</translation>
    </message>
    <message>
        <source>The import of {file} was made by an older ShopCRM, which did not note the contacts, feedback or care tasks it added, so it cannot be undone: restore the backup taken before it instead (File &gt; Restore from backup).</source>
        <translation>Lần nhập {file} được làm bằng phiên bản ShopCRM cũ, không ghi lại các lần liên hệ, phản hồi hay việc chăm sóc đã thêm, nên không hoàn tác được: hãy khôi phục bản sao lưu tạo trước lần nhập đó (Tệp &gt; Khôi phục từ bản sao lưu).</translation>
    </message>
    <message>
        <source>The import was cancelled: nothing was changed.</source>
        <translation>Đã hủy nhập dữ liệu: không có gì bị thay đổi.</translation>
    </message>
    <message>
        <source>The later import of {file} ({date}) changed some of the same customers: undo that import first.</source>
        <translation>Lần nhập {file} sau đó ({date}) đã thay đổi một số khách hàng này: hãy hoàn tác lần nhập đó trước.</translation>
    </message>
    <message>
        <source>The period must start on or before the day it ends.</source>
        <translation>Ngày bắt đầu của kỳ phải trước hoặc trùng ngày kết thúc.</translation>
    </message>
    <message>
        <source>The referrer {code} is the customer of a row of this file that was refused: fix that row too.</source>
        <translation>Người giới thiệu {code} là khách hàng của một dòng trong tệp này đã bị từ chối: hãy sửa cả dòng đó.</translation>
    </message>
    <message>
        <source>The referrer {code} is the customer of row {row} of this file, which is rejected: fix that row too.</source>
        <translation>Người giới thiệu {code} là khách hàng ở dòng {row} của tệp này, dòng đó bị loại: hãy sửa cả dòng đó.</translation>
    </message>
    <message>
        <source>The row does not say whose purchase it is: give the customer code or phone.</source>
        <translation>Dòng này không cho biết lần mua của ai: hãy ghi mã khách hàng hoặc số điện thoại.</translation>
    </message>
    <message>
        <source>The table {table} could not be copied to {url}: {reason}. Nothing was written there.</source>
        <translation>Không thể sao chép bảng {table} sang {url}: {reason}. Không có gì được ghi vào đó.</translation>
    </message>
    <message>
        <source>The text is too long: at most {limit} characters.</source>
        <translation>Nội dung quá dài: tối đa {limit} ký tự.</translation>
    </message>
    <message>
        <source>The {what} is missing.</source>
        <translation>Thiếu {what}.</translation>
    </message>
    <message>
        <source>There can be at most {max} smart lists.</source>
        <translation>Chỉ có thể có tối đa {max} danh sách thông minh.</translation>
    </message>
    <message>
        <source>There is already a smart list named “{name}”.</source>
        <translation>Đã có một danh sách thông minh tên “{name}”.</translation>
    </message>
    <message>
        <source>There is no database at {path}.</source>
        <translation>Không có tệp dữ liệu nào ở {path}.</translation>
    </message>
    <message>
        <source>There is no file {path}.</source>
        <translation>Không có tệp {path}.</translation>
    </message>
    <message>
        <source>There is no import number {batch}.</source>
        <translation>Không có lần nhập số {batch}.</translation>
    </message>
    <message>
        <source>This cannot be in the future.</source>
        <translation>Không thể là thời điểm trong tương lai.</translation>
    </message>
    <message>
        <source>This complaint is already resolved.</source>
        <translation>Khiếu nại này đã được giải quyết.</translation>
    </message>
    <message>
        <source>This customer no longer exists or is in the trash.</source>
        <translation>Khách hàng này không còn nữa hoặc đang ở thùng rác.</translation>
    </message>
    <message>
        <source>This database has customer tables but no schema version; it was not made by ShopCRM and was left unchanged.</source>
        <translation>Cơ sở dữ liệu này có bảng khách hàng nhưng không ghi phiên bản cấu trúc dữ liệu; nó không do ShopCRM tạo ra nên được giữ nguyên, không thay đổi gì.</translation>
    </message>
    <message>
        <source>This database holds no ShopCRM shop; there is nothing to copy.</source>
        <translation>Cơ sở dữ liệu này không chứa dữ liệu cửa hàng ShopCRM nào; không có gì để sao chép.</translation>
    </message>
    <message>
        <source>This database is already open in another ShopCRM window on this computer (or another computer through a shared folder). Several counters should share a PostgreSQL database instead; you can open this one read-only.</source>
        <translation>Dữ liệu này đang được mở ở một cửa sổ ShopCRM khác trên máy này (hoặc trên máy khác qua thư mục dùng chung). Nếu nhiều quầy cùng làm việc, hãy dùng chung một cơ sở dữ liệu PostgreSQL; còn tệp này bạn có thể mở ở chế độ chỉ xem.</translation>
    </message>
    <message>
        <source>This database must be upgraded before ShopCRM can show it, and a read-only open cannot do that: open it normally.</source>
        <translation>Dữ liệu này cần được nâng cấp trước khi ShopCRM hiển thị được, mà chế độ chỉ xem thì không nâng cấp được: hãy mở theo cách bình thường.</translation>
    </message>
    <message>
        <source>This database was made by a newer ShopCRM (schema {found}, this one knows {current}). Update ShopCRM to open it; nothing was changed.</source>
        <translation>Dữ liệu này do một phiên bản ShopCRM mới hơn tạo ra (cấu trúc dữ liệu số {found}, phiên bản đang dùng chỉ đọc được đến số {current}). Vui lòng cập nhật ShopCRM để mở; dữ liệu chưa bị thay đổi gì.</translation>
    </message>
    <message>
        <source>This entry no longer exists (deleted at another counter?).</source>
        <translation>Mục này không còn nữa (có thể đã bị xóa ở quầy khác?).</translation>
    </message>
    <message>
        <source>This feedback no longer exists (deleted at another counter?).</source>
        <translation>Phản hồi này không còn nữa (có thể đã bị xóa ở quầy khác?).</translation>
    </message>
    <message>
        <source>This is too long: at most {limit} characters.</source>
        <translation>Nội dung này quá dài: tối đa {limit} ký tự.</translation>
    </message>
    <message>
        <source>This purchase no longer exists (deleted at another counter?).</source>
        <translation>Lần mua này không còn nữa (có thể đã bị xóa ở quầy khác?).</translation>
    </message>
    <message>
        <source>This shop&apos;s database is at schema version {found}, and this ShopCRM copies version {current} only. Open it once with this ShopCRM to upgrade it, then copy it.</source>
        <translation>Cơ sở dữ liệu của cửa hàng này ở phiên bản cấu trúc {found}, còn ShopCRM này chỉ sao chép phiên bản {current}. Hãy mở nó một lần bằng ShopCRM này để nâng cấp, rồi sao chép.</translation>
    </message>
    <message>
        <source>This task is already finished.</source>
        <translation>Việc này đã xong rồi.</translation>
    </message>
    <message>
        <source>This task no longer exists (deleted at another counter?).</source>
        <translation>Việc này không còn nữa (có thể đã bị xóa ở quầy khác?).</translation>
    </message>
    <message>
        <source>Two columns are set to {field}: choose one.</source>
        <translation>Có hai cột cùng được chọn là {field}: vui lòng chỉ chọn một cột.</translation>
    </message>
    <message>
        <source>Unknown filter value: {value}.</source>
        <translation>Giá trị lọc không hợp lệ: {value}.</translation>
    </message>
    <message>
        <source>Unknown filter: {axis}.</source>
        <translation>Điều kiện lọc không hợp lệ: {axis}.</translation>
    </message>
    <message>
        <source>Unknown kind of database address: {url}</source>
        <translation>Không nhận ra loại địa chỉ cơ sở dữ liệu: {url}</translation>
    </message>
    <message>
        <source>Unknown purpose of consent.</source>
        <translation>Mục đích đồng ý không hợp lệ.</translation>
    </message>
    <message>
        <source>Use a whole number from {low} to {high}.</source>
        <translation>Hãy dùng số nguyên từ {low} đến {high}.</translation>
    </message>
    <message>
        <source>Use one of: {choices}.</source>
        <translation>Vui lòng chọn một trong các cách xưng hô: {choices}.</translation>
    </message>
    <message>
        <source>Write how the complaint was resolved.</source>
        <translation>Hãy ghi cách đã giải quyết khiếu nại.</translation>
    </message>
    <message>
        <source>Write what the customer complains about.</source>
        <translation>Hãy ghi nội dung khách hàng khiếu nại.</translation>
    </message>
    <message>
        <source>Write what was said or done.</source>
        <translation>Hãy ghi nội dung đã trao đổi hoặc đã làm.</translation>
    </message>
    <message>
        <source>{amount} is below zero: a purchase amount cannot be negative (record returns apart).</source>
        <translation>{amount} nhỏ hơn 0: số tiền mua không thể âm (hàng trả lại ghi riêng).</translation>
    </message>
    <message>
        <source>{count} customers have the phone number {phone}: give the customer code.</source>
        <translation>{count} khách hàng có cùng số điện thoại {phone}: hãy ghi mã khách hàng.</translation>
    </message>
    <message>
        <source>{count} customers of this import were changed after it (for example {code} {name}); undoing it would lose those changes, so nothing was undone.</source>
        <translation>{count} khách hàng của lần nhập này đã được sửa sau đó (ví dụ {code} {name}); hoàn tác sẽ làm mất các thay đổi đó nên chưa hoàn tác gì.</translation>
    </message>
    <message>
        <source>{date} is too long ago.</source>
        <translation>{date} đã quá xa.</translation>
    </message>
    <message>
        <source>{name} cannot be imported: choose a {kinds} file.</source>
        <translation>Không nhập được {name}: vui lòng chọn tệp {kinds}.</translation>
    </message>
    <message>
        <source>{name} cannot be read: {reason}</source>
        <translation>Không đọc được tệp {name}: {reason}</translation>
    </message>
    <message>
        <source>{name} has no sheet called {sheet}; it has: {sheets}.</source>
        <translation>{name} không có trang tính nào tên {sheet}; các trang tính trong tệp: {sheets}.</translation>
    </message>
    <message>
        <source>{name} is an old Excel 97-2003 file: open it in Excel and save it as .xlsx.</source>
        <translation>{name} là tệp Excel 97-2003 cũ: vui lòng mở tệp bằng Excel và lưu lại dưới dạng .xlsx.</translation>
    </message>
    <message>
        <source>{name} is empty: there are no customers to import.</source>
        <translation>{name} đang trống: không có khách hàng nào để nhập.</translation>
    </message>
    <message>
        <source>{name} is not a CSV text file or is damaged.</source>
        <translation>{name} không phải là tệp văn bản CSV hoặc tệp đã bị hỏng.</translation>
    </message>
    <message>
        <source>{name} is not a vCard contacts file or is damaged.</source>
        <translation>{name} không phải là tệp danh bạ vCard hoặc đã bị hỏng.</translation>
    </message>
    <message>
        <source>{name} is not an Excel workbook or is damaged.</source>
        <translation>{name} không phải là tệp Excel hoặc tệp đã bị hỏng.</translation>
    </message>
    <message>
        <source>{name} is protected by a password or is an old Excel 97-2003 file. Open it in Excel, remove the password or save it as .xlsx, then import it again.</source>
        <translation>{name} đang được đặt mật khẩu hoặc là tệp Excel 97-2003 cũ. Vui lòng mở tệp bằng Excel, bỏ mật khẩu hoặc lưu lại dưới dạng .xlsx, rồi nhập lại.</translation>
    </message>
    <message>
        <source>{name} was changed at another counter while you were editing. Reload to see the change, or overwrite it.</source>
        <translation>Thông tin của {name} vừa được sửa ở quầy khác trong lúc bạn đang sửa. Chọn Tải lại để xem thay đổi đó, hoặc Ghi đè để lưu thay đổi của bạn.</translation>
    </message>
    <message>
        <source>{name}: a quotation mark on line {line} is never closed, so all the lines after it read as one cell. Add the closing quotation mark, then import again.</source>
        <translation>{name}: dấu ngoặc kép ở dòng {line} không được đóng lại, nên mọi dòng sau đó bị đọc thành một ô. Vui lòng thêm dấu ngoặc kép đóng, rồi nhập lại.</translation>
    </message>
    <message>
        <source>{name}: line {line} is not valid UTF-8 text; save the file again as CSV UTF-8.</source>
        <translation>{name}: dòng {line} không phải là văn bản UTF-8 hợp lệ; vui lòng lưu lại tệp dưới dạng CSV UTF-8.</translation>
    </message>
    <message>
        <source>{name}: the contact that starts on line {line} never ends (END:VCARD is missing), so the file is probably cut short. Export the contacts from the phone again.</source>
        <translation>{name}: liên hệ bắt đầu ở dòng {line} không có phần kết thúc (thiếu END:VCARD), có lẽ tệp bị cắt ngắn. Hãy xuất lại danh bạ từ điện thoại.</translation>
    </message>
    <message>
        <source>{path} is not a ShopCRM backup.</source>
        <translation>{path} không phải là bản sao lưu của ShopCRM.</translation>
    </message>
    <message>
        <source>{path} is not a ShopCRM backup. Nothing was changed.</source>
        <translation>{path} không phải là bản sao lưu của ShopCRM. Dữ liệu chưa bị thay đổi.</translation>
    </message>
    <message>
        <source>{path} is not a ShopCRM database.</source>
        <translation>{path} không phải là tệp dữ liệu của ShopCRM.</translation>
    </message>
    <message>
        <source>{path} is the database itself, not a backup of it.</source>
        <translation>{path} chính là tệp dữ liệu đang dùng, không phải bản sao lưu.</translation>
    </message>
    <message>
        <source>{phone} is not a phone number: it contains letters. Write only digits, with spaces, dots or dashes if you like.</source>
        <translation>{phone} không phải là số điện thoại vì có chữ cái. Vui lòng chỉ ghi chữ số (có thể thêm dấu cách, dấu chấm hoặc gạch ngang).</translation>
    </message>
    <message>
        <source>{phone} is not a phone number: write only digits, spaces, dots, dashes, brackets and a + in front.</source>
        <translation>{phone} không phải là số điện thoại: vui lòng chỉ ghi chữ số, dấu cách, dấu chấm, gạch ngang, dấu ngoặc và dấu + ở đầu.</translation>
    </message>
    <message>
        <source>{phone} is not a valid international phone number: check the country code after the + and the digits.</source>
        <translation>{phone} không phải là số điện thoại quốc tế hợp lệ: vui lòng kiểm tra mã quốc gia sau dấu + và các chữ số.</translation>
    </message>
    <message>
        <source>{phone} is not a valid phone number: a Vietnamese mobile has 10 digits starting with 0.</source>
        <translation>{phone} không phải là số điện thoại hợp lệ: số di động Việt Nam có 10 chữ số, bắt đầu bằng số 0.</translation>
    </message>
    <message>
        <source>{phone} is too long for a phone number: a Vietnamese mobile has 10 digits and a landline 11. Write a foreign number with + and its country code.</source>
        <translation>{phone} quá dài so với một số điện thoại: số di động Việt Nam có 10 chữ số, số máy bàn có 11 chữ số. Số nước ngoài thì ghi dấu + và mã quốc gia ở đầu.</translation>
    </message>
    <message>
        <source>{phone} is too short for a phone number: a Vietnamese mobile has 10 digits starting with 0.</source>
        <translation>{phone} quá ngắn, chưa đủ một số điện thoại: số di động Việt Nam có 10 chữ số, bắt đầu bằng số 0.</translation>
    </message>
    <message>
        <source>{phone} looks like an old 11-digit mobile number, but {prefix} is not one of the prefixes changed to 10 digits in 2018.</source>
        <translation>{phone} giống số di động 11 số cũ, nhưng đầu số {prefix} không thuộc các đầu số đã chuyển sang 10 số năm 2018.</translation>
    </message>
    <message>
        <source>{text} has no year: write the date as dd/mm/yyyy.</source>
        <translation>{text} thiếu năm: vui lòng ghi ngày theo dạng ngày/tháng/năm (dd/mm/yyyy).</translation>
    </message>
    <message>
        <source>{text} is not a date: write it as dd/mm/yyyy.</source>
        <translation>{text} không phải là ngày: vui lòng ghi theo dạng ngày/tháng/năm (dd/mm/yyyy).</translation>
    </message>
    <message>
        <source>{text} is not a day of the calendar.</source>
        <translation>Ngày {text} không có trên lịch.</translation>
    </message>
</context>
<context>
    <name>fields</name>
    <message>
        <source>Area</source>
        <translation>Khu vực</translation>
    </message>
    <message>
        <source>Beneficiary</source>
        <translation>Người hưởng thụ</translation>
    </message>
    <message>
        <source>Birthday</source>
        <translation>Ngày sinh</translation>
    </message>
    <message>
        <source>Buyer</source>
        <translation>Người mua</translation>
    </message>
    <message>
        <source>Company</source>
        <translation>Công ty</translation>
    </message>
    <message>
        <source>Customer code</source>
        <translation>Mã khách hàng</translation>
    </message>
    <message>
        <source>District</source>
        <translation>Quận/Huyện</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>Email</translation>
    </message>
    <message>
        <source>Facebook</source>
        <translation>Facebook</translation>
    </message>
    <message>
        <source>Family name</source>
        <translation>Họ</translation>
    </message>
    <message>
        <source>Full name</source>
        <translation>Họ và tên</translation>
    </message>
    <message>
        <source>Gender</source>
        <translation>Giới tính</translation>
    </message>
    <message>
        <source>Given name</source>
        <translation>Tên</translation>
    </message>
    <message>
        <source>Honorific</source>
        <translation>Cách xưng hô</translation>
    </message>
    <message>
        <source>Income</source>
        <translation>Thu nhập</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Loại khách</translation>
    </message>
    <message>
        <source>Middle name</source>
        <translation>Tên đệm</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Ghi chú</translation>
    </message>
    <message>
        <source>Organisation type</source>
        <translation>Loại tổ chức</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Số điện thoại</translation>
    </message>
    <message>
        <source>Province / city</source>
        <translation>Tỉnh/Thành phố</translation>
    </message>
    <message>
        <source>Referred by</source>
        <translation>Người giới thiệu</translation>
    </message>
    <message>
        <source>Relation</source>
        <translation>Quan hệ</translation>
    </message>
    <message>
        <source>Second phone</source>
        <translation>Số điện thoại 2</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Nguồn khách</translation>
    </message>
    <message>
        <source>Street address</source>
        <translation>Địa chỉ</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>Nhãn, sở thích</translation>
    </message>
    <message>
        <source>Tax code</source>
        <translation>Mã số thuế</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Người sử dụng</translation>
    </message>
    <message>
        <source>Ward / commune</source>
        <translation>Phường/Xã</translation>
    </message>
    <message>
        <source>Zalo</source>
        <translation>Zalo</translation>
    </message>
</context>
<context>
    <name>labels</name>
    <message>
        <source>Advertising</source>
        <translation>Quảng cáo</translation>
    </message>
    <message>
        <source>Ask for feedback</source>
        <translation>Xin đánh giá</translation>
    </message>
    <message>
        <source>Average value</source>
        <translation>Giá trị trung bình</translation>
    </message>
    <message>
        <source>Birthday greeting</source>
        <translation>Chúc mừng sinh nhật</translation>
    </message>
    <message>
        <source>Call</source>
        <translation>Gọi điện</translation>
    </message>
    <message>
        <source>Child</source>
        <translation>Trẻ em</translation>
    </message>
    <message>
        <source>City</source>
        <translation>Thành phố</translation>
    </message>
    <message>
        <source>Complaint</source>
        <translation>Khiếu nại</translation>
    </message>
    <message>
        <source>Complaint follow-up</source>
        <translation>Xử lý khiếu nại</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Đã xong</translation>
    </message>
    <message>
        <source>Elderly</source>
        <translation>Người cao tuổi</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>Email</translation>
    </message>
    <message>
        <source>External</source>
        <translation>Bên ngoài</translation>
    </message>
    <message>
        <source>Facebook</source>
        <translation>Facebook</translation>
    </message>
    <message>
        <source>Female</source>
        <translation>Nữ</translation>
    </message>
    <message>
        <source>First big purchase</source>
        <translation>Lần đầu mua sắm lớn</translation>
    </message>
    <message>
        <source>High</source>
        <translation>Cao</translation>
    </message>
    <message>
        <source>High value</source>
        <translation>Giá trị cao</translation>
    </message>
    <message>
        <source>In progress</source>
        <translation>Đang xử lý</translation>
    </message>
    <message>
        <source>In store</source>
        <translation>Tại cửa hàng</translation>
    </message>
    <message>
        <source>Individual</source>
        <translation>Cá nhân</translation>
    </message>
    <message>
        <source>Internal (staff, shareholder)</source>
        <translation>Nội bộ (nhân viên, cổ đông)</translation>
    </message>
    <message>
        <source>Lapsed</source>
        <translation>Không quay lại</translation>
    </message>
    <message>
        <source>Low</source>
        <translation>Thấp</translation>
    </message>
    <message>
        <source>Low value</source>
        <translation>Giá trị thấp</translation>
    </message>
    <message>
        <source>Loyal</source>
        <translation>Trung thành</translation>
    </message>
    <message>
        <source>Loyalty offer</source>
        <translation>Ưu đãi khách trung thành</translation>
    </message>
    <message>
        <source>Male</source>
        <translation>Nam</translation>
    </message>
    <message>
        <source>Manufacturer</source>
        <translation>Doanh nghiệp sản xuất</translation>
    </message>
    <message>
        <source>Medium</source>
        <translation>Trung bình</translation>
    </message>
    <message>
        <source>Middle-aged</source>
        <translation>Trung niên</translation>
    </message>
    <message>
        <source>New</source>
        <translation>Mới</translation>
    </message>
    <message>
        <source>Non-profit / state agency</source>
        <translation>Tổ chức phi lợi nhuận / cơ quan nhà nước</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Ghi chú</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>Trực tuyến</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Mới nhận</translation>
    </message>
    <message>
        <source>Organisation</source>
        <translation>Tổ chức / doanh nghiệp</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>Khác</translation>
    </message>
    <message>
        <source>Other task</source>
        <translation>Việc khác</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Điện thoại</translation>
    </message>
    <message>
        <source>Planned</source>
        <translation>Đã lên lịch</translation>
    </message>
    <message>
        <source>Potential</source>
        <translation>Tiềm năng</translation>
    </message>
    <message>
        <source>Praise</source>
        <translation>Khen ngợi</translation>
    </message>
    <message>
        <source>Pre-sale follow-up</source>
        <translation>Chăm sóc trước bán</translation>
    </message>
    <message>
        <source>Press, radio, TV</source>
        <translation>Báo, đài, truyền hình</translation>
    </message>
    <message>
        <source>Referral</source>
        <translation>Được giới thiệu</translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation>Đã giải quyết</translation>
    </message>
    <message>
        <source>Rural</source>
        <translation>Nông thôn</translation>
    </message>
    <message>
        <source>SMS</source>
        <translation>SMS</translation>
    </message>
    <message>
        <source>Skipped</source>
        <translation>Đã bỏ qua</translation>
    </message>
    <message>
        <source>Social network</source>
        <translation>Mạng xã hội</translation>
    </message>
    <message>
        <source>Special offer</source>
        <translation>Ưu đãi đặc biệt</translation>
    </message>
    <message>
        <source>Suburban</source>
        <translation>Ngoại ô</translation>
    </message>
    <message>
        <source>Suggestion</source>
        <translation>Góp ý</translation>
    </message>
    <message>
        <source>Thank-you / check-in</source>
        <translation>Cảm ơn / hỏi han</translation>
    </message>
    <message>
        <source>Trading company</source>
        <translation>Doanh nghiệp thương mại</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>Chưa rõ</translation>
    </message>
    <message>
        <source>Urban area</source>
        <translation>Đô thị</translation>
    </message>
    <message>
        <source>Visit</source>
        <translation>Ghé thăm</translation>
    </message>
    <message>
        <source>Walk-in</source>
        <translation>Đến trực tiếp cửa hàng</translation>
    </message>
    <message>
        <source>Website</source>
        <translation>Website</translation>
    </message>
    <message>
        <source>Welcome</source>
        <translation>Chào mừng khách mới</translation>
    </message>
    <message>
        <source>Wholesaler / retailer</source>
        <translation>Nhà bán buôn / bán lẻ</translation>
    </message>
    <message>
        <source>Win back</source>
        <translation>Mời khách quay lại</translation>
    </message>
    <message>
        <source>Youth</source>
        <translation>Thanh niên</translation>
    </message>
    <message>
        <source>Zalo</source>
        <translation>Zalo</translation>
    </message>
</context>
<context>
    <name>printing</name>
    <message>
        <source>Call sheet</source>
        <translation>Danh sách cần gọi</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>Khách hàng</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>Hạn</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Lời nhắn</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Ghi chú</translation>
    </message>
    <message>
        <source>Nothing overdue or due today.</source>
        <translation>Không có việc quá hạn hoặc đến hạn hôm nay.</translation>
    </message>
    <message>
        <source>PDF document (*.pdf)</source>
        <translation>Tài liệu PDF (*.pdf)</translation>
    </message>
    <message>
        <source>Page {page} / {pages}</source>
        <translation>Trang {page} / {pages}</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Điện thoại</translation>
    </message>
    <message>
        <source>Save summaries as PDF</source>
        <translation>Lưu tóm tắt thành PDF</translation>
    </message>
    <message>
        <source>Save the call sheet as PDF</source>
        <translation>Lưu danh sách cần gọi thành PDF</translation>
    </message>
    <message>
        <source>Save the customer list as PDF</source>
        <translation>Lưu danh sách khách hàng thành PDF</translation>
    </message>
</context>
<context>
    <name>reports</name>
    <message>
        <source>Average resolution time: the days from a complaint to its resolution, over the complaints resolved during the period.</source>
        <translation>Thời gian giải quyết trung bình: số ngày từ lúc nhận khiếu nại đến khi giải quyết xong, tính trên các khiếu nại được giải quyết trong kỳ.</translation>
    </message>
    <message>
        <source>Lapsed customers: customers whose last purchase, at the end of each month, was more than {days} days before it.</source>
        <translation>Khách không quay lại: khách có lần mua gần nhất, tính đến cuối mỗi tháng, cách đó hơn {days} ngày.</translation>
    </message>
    <message>
        <source>On-time rate: of the care tasks due in the period and done, the share done on or before their due date.</source>
        <translation>Tỷ lệ đúng hạn: trong các việc chăm sóc đến hạn trong kỳ và đã làm, tỷ lệ việc làm xong đúng hoặc trước hạn.</translation>
    </message>
    <message>
        <source>Repeat-purchase rate: of the customers who bought during the period, the share who bought on at least two different days in it.</source>
        <translation>Tỷ lệ mua lại: trong số khách đã mua hàng trong kỳ, tỷ lệ khách mua vào ít nhất hai ngày khác nhau trong kỳ.</translation>
    </message>
    <message>
        <source>Retention rate: of the customers of the start (added before the first day of the period and who had bought before it), the share who bought again during the period.</source>
        <translation>Tỷ lệ giữ chân khách: trong số khách có từ đầu kỳ (được thêm trước ngày đầu kỳ và đã mua hàng trước đó), tỷ lệ khách mua lại trong kỳ.</translation>
    </message>
</context>
<context>
    <name>segments</name>
    <message>
        <source>A customer who bought on at least this many different days within the loyalty period is loyal (default 3).</source>
        <translation>Khách mua hàng vào ít nhất chừng này ngày khác nhau trong thời gian xét là khách trung thành (mặc định 3).</translation>
    </message>
    <message>
        <source>A customer whose last purchase is older than this many days is lapsed (default 180: six months).</source>
        <translation>Khách có lần mua gần nhất cách đây hơn chừng này ngày là khách không quay lại (mặc định 180: sáu tháng).</translation>
    </message>
    <message>
        <source>A first purchase day of at least this amount makes a &quot;first big purchase&quot; customer (default 5,000,000 ₫).</source>
        <translation>Ngày mua đầu tiên đạt ít nhất số tiền này thì là khách &quot;lần đầu mua sắm lớn&quot; (mặc định 5.000.000 ₫).</translation>
    </message>
    <message>
        <source>Big purchase (VND)</source>
        <translation>Mua sắm lớn (VND)</translation>
    </message>
    <message>
        <source>First big purchase lasts (days)</source>
        <translation>&quot;Lần đầu mua sắm lớn&quot; kéo dài (ngày)</translation>
    </message>
    <message>
        <source>High value: top (%)</source>
        <translation>Giá trị cao: nhóm đầu (%)</translation>
    </message>
    <message>
        <source>How many days after the first purchase a customer stays &quot;first big purchase&quot; (default 90).</source>
        <translation>Số ngày sau lần mua đầu tiên mà khách còn thuộc nhóm &quot;lần đầu mua sắm lớn&quot; (mặc định 90).</translation>
    </message>
    <message>
        <source>Lapsed after (days)</source>
        <translation>Không quay lại sau (ngày)</translation>
    </message>
    <message>
        <source>Low value: bottom (%)</source>
        <translation>Giá trị thấp: nhóm cuối (%)</translation>
    </message>
    <message>
        <source>Loyal after (purchases)</source>
        <translation>Trung thành khi mua (lần)</translation>
    </message>
    <message>
        <source>Loyalty period (months)</source>
        <translation>Thời gian xét trung thành (tháng)</translation>
    </message>
    <message>
        <source>The customers who spent the least, this percent of those who bought, are low value (default 30).</source>
        <translation>Chừng này phần trăm khách đã mua mà chi tiêu ít nhất là khách giá trị thấp (mặc định 30).</translation>
    </message>
    <message>
        <source>The customers who spent the most, this percent of those who bought, are high value (default 20).</source>
        <translation>Chừng này phần trăm khách đã mua mà chi tiêu nhiều nhất là khách giá trị cao (mặc định 20).</translation>
    </message>
    <message>
        <source>The months counted back from today for loyalty (default 12).</source>
        <translation>Số tháng tính ngược từ hôm nay để xét khách trung thành (mặc định 12).</translation>
    </message>
</context>
<context>
    <name>settings</name>
    <message>
        <source>App password</source>
        <translation>Mật khẩu ứng dụng</translation>
    </message>
    <message>
        <source>Care catch-up days</source>
        <translation>Số ngày bù việc chăm sóc</translation>
    </message>
    <message>
        <source>Care tasks generated</source>
        <translation>Lần tạo việc chăm sóc gần nhất</translation>
    </message>
    <message>
        <source>Lock after minutes idle</source>
        <translation>Tự khóa sau số phút không dùng</translation>
    </message>
    <message>
        <source>Segment rules</source>
        <translation>Quy tắc phân nhóm khách hàng</translation>
    </message>
    <message>
        <source>Segments computed</source>
        <translation>Lần tính nhóm khách hàng gần nhất</translation>
    </message>
    <message>
        <source>Shop name</source>
        <translation>Tên cửa hàng</translation>
    </message>
    <message>
        <source>Smart lists</source>
        <translation>Danh sách thông minh</translation>
    </message>
    <message>
        <source>VND per loyalty point</source>
        <translation>Số đồng cho mỗi điểm tích lũy</translation>
    </message>
</context>
<context>
    <name>summary</name>
    <message>
        <source>Address</source>
        <translation>Địa chỉ</translation>
    </message>
    <message>
        <source>Average basket</source>
        <translation>Trung bình mỗi lần mua</translation>
    </message>
    <message>
        <source>Average rating</source>
        <translation>Đánh giá trung bình</translation>
    </message>
    <message>
        <source>Birthday</source>
        <translation>Ngày sinh</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>Mã khách hàng</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>Liên hệ</translation>
    </message>
    <message>
        <source>Customer code</source>
        <translation>Mã khách hàng</translation>
    </message>
    <message>
        <source>Customer list</source>
        <translation>Danh sách khách hàng</translation>
    </message>
    <message>
        <source>Customer summary</source>
        <translation>Tóm tắt khách hàng</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>Email</translation>
    </message>
    <message>
        <source>Feedback</source>
        <translation>Phản hồi, đánh giá</translation>
    </message>
    <message>
        <source>Form of address</source>
        <translation>Xưng hô</translation>
    </message>
    <message>
        <source>In the trash</source>
        <translation>Trong thùng rác</translation>
    </message>
    <message>
        <source>Key figures</source>
        <translation>Số liệu chính</translation>
    </message>
    <message>
        <source>Last purchase</source>
        <translation>Lần mua gần nhất</translation>
    </message>
    <message>
        <source>Last purchases</source>
        <translation>Giao dịch gần đây</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Tên</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Ghi chú</translation>
    </message>
    <message>
        <source>Open care tasks</source>
        <translation>Việc chăm sóc đang chờ</translation>
    </message>
    <message>
        <source>Open complaints</source>
        <translation>Khiếu nại chưa xử lý</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Điện thoại</translation>
    </message>
    <message>
        <source>Printed {date}</source>
        <translation>In ngày {date}</translation>
    </message>
    <message>
        <source>Purchases</source>
        <translation>Số lần mua</translation>
    </message>
    <message>
        <source>Recent interactions</source>
        <translation>Trao đổi gần đây</translation>
    </message>
    <message>
        <source>Referrals</source>
        <translation>Khách đã giới thiệu</translation>
    </message>
    <message>
        <source>Segment</source>
        <translation>Nhóm khách</translation>
    </message>
    <message>
        <source>Total spent</source>
        <translation>Tổng tiền đã mua</translation>
    </message>
    <message>
        <source>… and {count} more</source>
        <translation>… và {count} mục khác</translation>
    </message>
    <message>
        <source>★ Loyal customer</source>
        <translation>★ Khách thân thiết</translation>
    </message>
</context>
<context>
    <name>tray</name>
    <message>
        <source>Care schedule</source>
        <translation>Lịch chăm sóc</translation>
    </message>
    <message>
        <source>ShopCRM</source>
        <translation>ShopCRM</translation>
    </message>
    <message>
        <source>{overdue} overdue, {today} due today</source>
        <translation>{overdue} việc quá hạn, {today} việc hôm nay</translation>
    </message>
</context>
</TS>
