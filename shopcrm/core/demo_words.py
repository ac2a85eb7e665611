"""Word lists and weights behind the demo data (shopcrm.core.demo).

Kept apart from the generator so the logic stays readable. Weights are
relative; (value, weight) pairs are turned into fast samplers by demo.py.
The shop is a small fashion and accessories shop, the most common kind of
customer-keeping shop in the source articles' examples.
"""

from __future__ import annotations

# Family names with their approximate share of the population (%): Nguyễn alone is
# about 38 %. Hoàng/Huỳnh and Vũ/Võ are one name, written by region (see SOUTHERN).
FAMILY_NAMES = (
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7.1), ("Hoàng", 5.1), ("Phan", 4.5),
    ("Vũ", 3.9), ("Đặng", 2.1), ("Bùi", 2), ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3),
    ("Dương", 1), ("Lý", 0.5), ("Đinh", 0.8), ("Trương", 0.7), ("Lâm", 0.5), ("Mai", 0.5),
    ("Đào", 0.5), ("Cao", 0.4), ("Hà", 0.4), ("Trịnh", 0.4), ("Lương", 0.3), ("Tạ", 0.3),
    ("Châu", 0.2), ("Thái", 0.2), ("Tô", 0.2), ("Quách", 0.15), ("Lưu", 0.2), ("Kiều", 0.1),
)
# The southern spelling of a family name and how often the south uses it.
SOUTHERN = {"Hoàng": ("Huỳnh", 0.7), "Vũ": ("Võ", 0.75)}

# (word, weight); "Văn" and "Thị" are chosen separately, more often for older people.
MALE_MIDDLE = (
    ("Hữu", 6), ("Đức", 8), ("Minh", 10), ("Quốc", 6), ("Công", 5), ("Thanh", 6), ("Xuân", 4),
    ("Hoàng", 4), ("Anh", 3), ("Gia", 4), ("Quang", 6), ("Đình", 5), ("Trọng", 4), ("Duy", 4),
    ("Tiến", 3), ("Ngọc", 2), ("Bảo", 3), ("Thành", 3),
)
FEMALE_MIDDLE = (
    ("Ngọc", 10), ("Thu", 8), ("Thanh", 7), ("Thùy", 6), ("Minh", 5), ("Phương", 5),
    ("Kim", 5), ("Bích", 3), ("Hồng", 5), ("Mai", 3), ("Khánh", 3), ("Bảo", 3), ("Diệu", 2),
    ("Hoài", 2), ("Thảo", 2), ("Như", 2), ("Quỳnh", 2), ("Tuyết", 1), ("Hải", 2),
)
MALE_GIVEN = (
    ("Hùng", 6), ("Dũng", 6), ("Tuấn", 7), ("Đức", 5), ("Thắng", 4), ("Minh", 7), ("Long", 5),
    ("Nam", 6), ("Hải", 5), ("Sơn", 5), ("Quân", 4), ("Huy", 6), ("Phong", 3), ("Khoa", 3),
    ("Bình", 4), ("Cường", 4), ("Hiếu", 4), ("Trung", 4), ("Tùng", 4), ("Vinh", 3),
    ("Phúc", 3), ("Đạt", 4), ("Tâm", 3), ("Thành", 4), ("Toàn", 2), ("Lâm", 2), ("Khánh", 3),
    ("Bảo", 3), ("Kiên", 2), ("Nghĩa", 2), ("Quang", 3), ("Tài", 2), ("Thịnh", 2),
    ("Việt", 3), ("Hưng", 3), ("An", 3), ("Lộc", 2), ("Duy", 2), ("Hoàng", 3), ("Anh", 4),
)
FEMALE_GIVEN = (
    ("Hà", 6), ("Dung", 5), ("Hương", 7), ("Lan", 6), ("Trang", 7), ("Linh", 7), ("Hoa", 5),
    ("Mai", 5), ("Ngọc", 4), ("Thảo", 6), ("Anh", 6), ("Hằng", 5), ("Phương", 5),
    ("Nhung", 3), ("Yến", 4), ("Huyền", 4), ("Nga", 4), ("Thủy", 4), ("Vân", 3), ("Giang", 3),
    ("Hạnh", 3), ("Loan", 3), ("Oanh", 2), ("Quỳnh", 3), ("Trâm", 2), ("Vy", 3), ("Nhi", 3),
    ("Thư", 3), ("Tuyết", 2), ("Uyên", 2), ("Châu", 2), ("My", 3), ("Hiền", 3), ("Thúy", 3),
    ("Chi", 3), ("Ly", 2), ("Diệp", 1), ("Liên", 2),
)

# Business names: "Công ty TNHH Thương mại Minh Phát", by organisation type.
BRAND_FIRST = ("Minh", "Hoàng", "Tân", "Việt", "Gia", "Kim", "Thiên", "Hải", "Đông", "Nam",
               "Bảo", "Trường", "Đại", "Phương", "Thái", "Hòa", "Phú", "Sao")
BRAND_SECOND = ("Phát", "Hưng", "Thịnh", "Phúc", "Thành", "Đạt", "Long", "Lộc", "Tài",
                "Khang", "Anh", "Á", "Sơn", "Hà", "An", "Mai", "Việt")
ORG_FORMS = {
    "manufacturer": ("Công ty TNHH Sản xuất {brand}", "Công ty Cổ phần May {brand}",
                     "Xưởng may {brand}"),
    "trading": ("Công ty TNHH Thương mại {brand}", "Công ty TNHH Thương mại và Dịch vụ {brand}",
                "Công ty Cổ phần Đầu tư {brand}"),
    "wholesale_retail": ("Cửa hàng thời trang {brand}", "Hộ kinh doanh {brand}",
                         "Đại lý {brand}", "Shop {brand}"),
    "nonprofit_state": ("Trường Tiểu học {street}", "Trường THCS {street}", "Hội Phụ nữ {ward}",
                        "Ủy ban nhân dân {ward}"),
}
ORG_TYPES = (("trading", 40), ("wholesale_retail", 30), ("manufacturer", 15),
             ("nonprofit_state", 15))
ORG_CONTACTS = ("kế toán", "hành chính", "thủ quỹ", "trưởng phòng nhân sự", "giám đốc")

# Provinces (pre-2025 three-level addresses, as shops' existing records hold them):
# name, weight, region (N/C/S), first two digits of local tax codes, streets, and
# districts as (name, area, wards).
PROVINCES = (
    ("TP. Hồ Chí Minh", 30, "S", "03",
     ("Nguyễn Trãi", "Lê Lợi", "Hai Bà Trưng", "Cách Mạng Tháng Tám", "Điện Biên Phủ",
      "Lê Văn Sỹ", "Nguyễn Thị Minh Khai", "Phan Xích Long", "Quang Trung", "Võ Văn Ngân",
      "Hoàng Văn Thụ", "Nguyễn Văn Linh", "Lý Thường Kiệt", "Ba Tháng Hai", "Phạm Văn Đồng"),
     (("Quận 1", "city", ("Phường Bến Nghé", "Phường Bến Thành", "Phường Đa Kao")),
      ("Quận 3", "city", ("Phường Võ Thị Sáu", "Phường 4", "Phường 5")),
      ("Quận 10", "city", ("Phường 12", "Phường 14", "Phường 15")),
      ("Quận Bình Thạnh", "city", ("Phường 25", "Phường 26", "Phường 22")),
      ("Quận Tân Bình", "city", ("Phường 2", "Phường 4", "Phường 13")),
      ("Quận Gò Vấp", "urban", ("Phường 5", "Phường 10", "Phường 17")),
      ("Thành phố Thủ Đức", "urban", ("Phường Hiệp Bình Chánh", "Phường Linh Trung",
                                      "Phường Thảo Điền")),
      ("Huyện Bình Chánh", "suburban", ("Xã Vĩnh Lộc A", "Xã Bình Hưng", "Thị trấn Tân Túc")),
      ("Huyện Củ Chi", "rural", ("Xã Tân Thông Hội", "Xã Phước Vĩnh An", "Thị trấn Củ Chi")))),
    ("Hà Nội", 22, "N", "01",
     ("Phố Huế", "Trần Duy Hưng", "Nguyễn Trãi", "Láng Hạ", "Xã Đàn", "Kim Mã", "Cầu Giấy",
      "Hoàng Quốc Việt", "Giải Phóng", "Lê Duẩn", "Nguyễn Văn Cừ", "Tây Sơn", "Chùa Bộc",
      "Thái Hà", "Quang Trung"),
     (("Quận Hoàn Kiếm", "city", ("Phường Hàng Bạc", "Phường Hàng Trống", "Phường Tràng Tiền")),
      ("Quận Ba Đình", "city", ("Phường Kim Mã", "Phường Ngọc Hà", "Phường Cống Vị")),
      ("Quận Đống Đa", "city", ("Phường Láng Thượng", "Phường Ô Chợ Dừa", "Phường Kim Liên")),
      ("Quận Cầu Giấy", "city", ("Phường Dịch Vọng", "Phường Nghĩa Đô", "Phường Yên Hòa")),
      ("Quận Hà Đông", "urban", ("Phường Văn Quán", "Phường Mộ Lao", "Phường La Khê")),
      ("Quận Long Biên", "urban", ("Phường Bồ Đề", "Phường Ngọc Lâm", "Phường Gia Thụy")),
      ("Huyện Gia Lâm", "suburban", ("Thị trấn Trâu Quỳ", "Xã Đa Tốn", "Xã Kiêu Kỵ")),
      ("Huyện Đông Anh", "suburban", ("Thị trấn Đông Anh", "Xã Uy Nỗ", "Xã Vân Nội")),
      ("Huyện Ba Vì", "rural", ("Xã Tản Lĩnh", "Xã Vật Lại", "Xã Cẩm Lĩnh")))),
    ("Đà Nẵng", 8, "C", "04",
     ("Bạch Đằng", "Lê Duẩn", "Nguyễn Văn Linh", "Hùng Vương", "Ông Ích Khiêm", "Trần Phú",
      "Ngô Quyền", "Võ Nguyên Giáp", "Hoàng Diệu", "Phan Châu Trinh"),
     (("Quận Hải Châu", "city", ("Phường Thạch Thang", "Phường Hải Châu I", "Phường Phước Ninh")),
      ("Quận Thanh Khê", "city", ("Phường Tân Chính", "Phường Chính Gián", "Phường Xuân Hà")),
      ("Quận Sơn Trà", "urban", ("Phường An Hải Bắc", "Phường Phước Mỹ", "Phường Mân Thái")),
      ("Quận Ngũ Hành Sơn", "urban", ("Phường Mỹ An", "Phường Khuê Mỹ", "Phường Hòa Hải")),
      ("Huyện Hòa Vang", "rural", ("Xã Hòa Châu", "Xã Hòa Tiến", "Xã Hòa Phước")))),
    ("Hải Phòng", 6, "N", "02",
     ("Lạch Tray", "Tô Hiệu", "Trần Nguyên Hãn", "Lê Lợi", "Điện Biên Phủ", "Văn Cao",
      "Cầu Đất", "Lê Thánh Tông"),
     (("Quận Hồng Bàng", "city", ("Phường Hoàng Văn Thụ", "Phường Minh Khai", "Phường Quán Toan")),
      ("Quận Lê Chân", "city", ("Phường An Biên", "Phường Cát Dài", "Phường Dư Hàng Kênh")),
      ("Quận Ngô Quyền", "city", ("Phường Máy Tơ", "Phường Lạch Tray", "Phường Đằng Giang")),
      ("Huyện Thủy Nguyên", "suburban", ("Thị trấn Núi Đèo", "Xã Thủy Sơn", "Xã Tân Dương")),
      ("Huyện An Lão", "rural", ("Xã An Thắng", "Xã Quốc Tuấn", "Thị trấn An Lão")))),
    ("Cần Thơ", 6, "S", "18",
     ("30 Tháng 4", "Nguyễn Văn Cừ", "Mậu Thân", "Trần Hưng Đạo", "Hòa Bình",
      "Cách Mạng Tháng Tám", "Nguyễn Trãi"),
     (("Quận Ninh Kiều", "city", ("Phường Tân An", "Phường An Hòa", "Phường Xuân Khánh",
                                  "Phường Hưng Lợi")),
      ("Quận Bình Thủy", "urban", ("Phường Bình Thủy", "Phường An Thới", "Phường Trà An")),
      ("Quận Cái Răng", "urban", ("Phường Lê Bình", "Phường Hưng Phú", "Phường Ba Láng")),
      ("Huyện Phong Điền", "rural", ("Thị trấn Phong Điền", "Xã Nhơn Ái", "Xã Mỹ Khánh")))),
    ("Bình Dương", 8, "S", "37",
     ("Thích Quảng Đức", "Yersin", "Cách Mạng Tháng Tám", "Nguyễn An Ninh", "Phú Lợi",
      "Huỳnh Văn Lũy", "Lê Hồng Phong"),
     (("Thành phố Thủ Dầu Một", "urban", ("Phường Phú Cường", "Phường Hiệp Thành",
                                          "Phường Chánh Nghĩa")),
      ("Thành phố Dĩ An", "urban", ("Phường Dĩ An", "Phường Đông Hòa", "Phường Tân Bình")),
      ("Thành phố Thuận An", "suburban", ("Phường Lái Thiêu", "Phường An Phú",
                                          "Phường Bình Chuẩn")),
      ("Huyện Bàu Bàng", "rural", ("Thị trấn Lai Uyên", "Xã Lai Hưng", "Xã Trừ Văn Thố")))),
    ("Đồng Nai", 7, "S", "36",
     ("Phạm Văn Thuận", "Đồng Khởi", "Võ Thị Sáu", "Nguyễn Ái Quốc", "Hà Huy Giáp",
      "Hùng Vương", "Nguyễn Văn Trị"),
     (("Thành phố Biên Hòa", "urban", ("Phường Tân Hiệp", "Phường Tam Hiệp", "Phường Trảng Dài",
                                       "Phường Quyết Thắng")),
      ("Thành phố Long Khánh", "suburban", ("Phường Xuân An", "Phường Xuân Trung",
                                            "Phường Bảo Vinh")),
      ("Huyện Trảng Bom", "suburban", ("Thị trấn Trảng Bom", "Xã Hố Nai 3", "Xã Bắc Sơn")),
      ("Huyện Định Quán", "rural", ("Thị trấn Định Quán", "Xã Phú Ngọc", "Xã La Ngà")))),
    ("Khánh Hòa", 5, "S", "42",
     ("Trần Phú", "Thống Nhất", "Lê Thánh Tôn", "23 Tháng 10", "Nguyễn Thị Minh Khai",
      "Yersin", "Hùng Vương"),
     (("Thành phố Nha Trang", "city", ("Phường Lộc Thọ", "Phường Vĩnh Hải", "Phường Phước Hải",
                                       "Phường Tân Lập")),
      ("Thành phố Cam Ranh", "urban", ("Phường Cam Lộc", "Phường Cam Nghĩa", "Phường Ba Ngòi")),
      ("Thị xã Ninh Hòa", "suburban", ("Phường Ninh Hiệp", "Phường Ninh Giang", "Xã Ninh Lộc")),
      ("Huyện Diên Khánh", "rural", ("Thị trấn Diên Khánh", "Xã Diên An", "Xã Diên Phú")))),
    ("Thừa Thiên Huế", 4, "C", "33",
     ("Lê Lợi", "Hùng Vương", "Trần Hưng Đạo", "Nguyễn Huệ", "Bà Triệu", "Phan Đình Phùng"),
     (("Thành phố Huế", "city", ("Phường Vĩnh Ninh", "Phường Phú Hội", "Phường Thuận Thành")),
      ("Thị xã Hương Thủy", "suburban", ("Phường Phú Bài", "Phường Thủy Dương", "Xã Thủy Thanh")),
      ("Huyện Phú Vang", "rural", ("Thị trấn Thuận An", "Xã Phú Thượng", "Xã Phú Mỹ")))),
    ("Nghệ An", 4, "N", "29",
     ("Lê Lợi", "Quang Trung", "Nguyễn Văn Cừ", "Trường Thi", "Lê Duẩn", "Phan Đình Phùng"),
     (("Thành phố Vinh", "urban", ("Phường Hưng Bình", "Phường Lê Lợi", "Phường Trường Thi")),
      ("Huyện Nghi Lộc", "rural", ("Xã Nghi Phong", "Xã Nghi Kim", "Thị trấn Quán Hành")))),
)

# Mobile prefixes by network, weighted roughly by market share (Viettel about half).
# phonenumbers 9.x knows only 0896-0899 of MobiFone's 089 block, hence the 4 digits.
MOBILE_PREFIXES = (
    *((p, 5) for p in ("032", "033", "034", "035", "036", "037", "038", "039")),
    *((p, 7) for p in ("086", "096", "097", "098")),
    *((p, 5) for p in ("081", "082", "083", "084", "085", "088", "091", "094")),
    *((p, 4) for p in ("070", "076", "077", "078", "079", "090", "093")),
    *((p, 0.5) for p in ("0896", "0897", "0898", "0899")),
    ("056", 0.8), ("058", 0.8), ("092", 1), ("059", 0.6), ("087", 0.3),
)
EMAIL_DOMAINS = (("gmail.com", 80), ("yahoo.com", 7), ("outlook.com", 5), ("icloud.com", 5),
                 ("hotmail.com", 3))

SOURCES = (("walk_in", 48), ("social", 18), ("referral", 10), ("website", 7),
           ("advertising", 6), ("media", 3), ("other", 3), (None, 5))
INCOMES = ((None, 25), ("low", 25), ("medium", 38), ("high", 12))
TAGS = (("mua sắm", 14), ("thời trang", 12), ("ẩm thực", 10), ("làm đẹp", 10),
        ("du lịch", 9), ("thể thao", 7), ("cà phê", 6), ("công nghệ", 5), ("mẹ và bé", 5),
        ("sức khỏe", 5), ("sách", 3), ("âm nhạc", 3), ("thú cưng", 3), ("nội thất", 2),
        ("khách sỉ", 1), ("hay đổi trả", 1))
NOTES = (
    "Thích màu pastel, mặc size M", "Hay mua quà tặng cho vợ", "Chỉ liên hệ qua Zalo",
    "Giao hàng giờ hành chính", "Khách quen của chị chủ", "Mặc size L, thích kiểu rộng",
    "Không thích gọi điện, nhắn tin trước", "Hay đi công tác, gọi buổi tối",
    "Dị ứng len, tránh giới thiệu áo len", "Thích hàng thiết kế, ít đụng hàng",
    "Có con nhỏ, quan tâm đồ mẹ và bé", "Khách sỉ, lấy hàng về bán lại",
)

# (item, lowest price, highest price) in thousands of VND, with weights.
ITEMS = (
    (("Áo sơ mi trắng", 250, 450), 8), (("Áo sơ mi kẻ", 250, 450), 5), (("Quần tây", 300, 550), 6),
    (("Quần jean", 350, 650), 8), (("Áo thun", 120, 250), 12), (("Áo polo", 200, 380), 6),
    (("Váy liền", 350, 850), 6), (("Chân váy", 200, 450), 5), (("Đầm công sở", 450, 950), 5),
    (("Áo khoác gió", 350, 700), 4), (("Áo len", 280, 600), 3), (("Bộ đồ ngủ", 180, 380), 4),
    (("Giày da nam", 650, 1800), 3), (("Giày cao gót", 450, 1200), 3),
    (("Giày thể thao", 600, 2200), 4), (("Dép quai hậu", 150, 350), 4),
    (("Túi xách da", 600, 3500), 3), (("Ví da", 250, 800), 3), (("Thắt lưng da", 250, 650), 3),
    (("Khăn lụa", 150, 450), 2), (("Mũ lưỡi trai", 100, 250), 3), (("Kính mát", 250, 1200), 2),
    (("Tất cotton (3 đôi)", 50, 90), 4), (("Đồ lót", 80, 250), 4), (("Son môi", 180, 550), 2),
    (("Nước hoa", 800, 3200), 1), (("Vòng tay bạc", 350, 1500), 1),
    # The occasional big purchase.
    (("Áo dài lụa may đo", 1500, 4500), 0.6), (("Áo khoác da thật", 2500, 6500), 0.4),
    (("Đồng hồ nam", 2500, 9000), 0.3), (("Túi xách hàng hiệu", 6000, 18000), 0.15),
)
ORG_ITEMS = (
    (("Đồng phục công ty", 250, 450), 5), (("Áo thun sự kiện in logo", 90, 180), 4),
    (("Áo sơ mi đồng phục", 220, 380), 4), (("Quà tặng Tết cho nhân viên", 300, 900), 2),
)
ITEM_COUNTS = ((1, 55), (2, 30), (3, 12), (4, 3))
CHANNELS = (("store", 58), ("zalo", 14), ("facebook", 12), ("online", 8), ("phone", 7),
            ("other", 1))
PURCHASE_NOTES = ("Thanh toán chuyển khoản", "Giảm 10% khách quen", "Đổi size M sang L",
                  "Giao hàng tận nơi", "Mua làm quà tặng", "Dùng voucher sinh nhật",
                  "Khách đặt cọc trước 50%")
STAFF = ("Ngọc Anh", "Minh Tuấn", "Thu Trang", "Hoàng Long", "Thanh Hương")

# (kind, summary) of interactions, by the moment they happen.
INQUIRIES = (
    ("zalo", "Khách nhắn Zalo hỏi giá và size áo sơ mi"),
    ("call", "Khách gọi hỏi còn mẫu váy trong ảnh không"),
    ("zalo", "Gửi ảnh mẫu mới cho khách xem"),
    ("visit", "Khách ghé xem hàng, hẹn quay lại"),
    ("sms", "Khách nhắn hỏi giờ mở cửa cuối tuần"),
    ("call", "Tư vấn chọn quà sinh nhật cho mẹ"),
    ("zalo", "Khách hỏi chính sách đổi trả"),
    ("email", "Gửi báo giá đồng phục theo yêu cầu"),
)
AFTER_PURCHASE = (
    ("call", "Gọi hỏi thăm sau mua, khách hài lòng"),
    ("zalo", "Hỏi thăm khách mặc có vừa không, khách khen vải đẹp"),
    ("call", "Khách nhờ đổi size, hẹn mang qua cửa hàng"),
    ("zalo", "Gửi hướng dẫn giặt và bảo quản sản phẩm"),
    ("sms", "Nhắn cảm ơn khách đã mua hàng"),
    ("visit", "Khách mang hàng đến đổi màu khác"),
)
WIN_BACK = (
    ("call", "Gọi mời khách quay lại, báo chương trình giảm giá"),
    ("zalo", "Gửi voucher 15% cho khách lâu chưa ghé"),
    ("call", "Khách bảo dạo này bận, hẹn cuối tháng ghé"),
    ("sms", "Nhắn tin báo bộ sưu tập mới"),
)
GENERAL = (
    ("zalo", "Báo khách hàng mới về đúng size khách hay mặc"),
    ("visit", "Khách ghé chơi, giới thiệu bạn cùng công ty"),
    ("call", "Mời khách dự buổi xả hàng cuối mùa"),
    ("note", "Khách dặn lần sau giữ giúp mẫu áo khoác màu be"),
)

RATINGS = ((5, 52), (4, 30), (3, 11), (2, 4), (1, 3))
PRAISE = ("Vải đẹp, mặc mát, sẽ ủng hộ tiếp", "Nhân viên tư vấn nhiệt tình",
          "Giao hàng nhanh, đóng gói cẩn thận", "Hàng giống ảnh, giá hợp lý",
          "Shop dễ thương, đổi size nhanh", "Chất lượng tốt so với giá tiền",
          "Rất hài lòng, sẽ giới thiệu cho bạn bè")
SUGGESTIONS = ("Shop nên có thêm size lớn", "Mong shop mở cửa sớm hơn vào cuối tuần",
               "Nên có thêm nhiều màu cho mẫu này", "Chỗ để xe hơi chật",
               "Nên gửi ảnh thật trước khi giao hàng", "Nên có chương trình tích điểm")
COMPLAINTS = ("Áo bị lỗi đường may sau một lần giặt", "Giao hàng trễ 3 ngày so với hẹn",
              "Nhân viên thái độ chưa tốt khi đổi hàng", "Màu áo khác với ảnh trên Facebook",
              "Bị tính tiền sai, dư 50.000 ₫", "Giày bị bong keo sau hai tuần")
RESOLUTIONS = ("Đã đổi sản phẩm mới và tặng voucher 10%",
               "Đã xin lỗi khách và hoàn tiền phần chênh lệch",
               "Đã nhắc nhở nhân viên, gọi điện xin lỗi khách",
               "Đã sửa miễn phí và giao tận nhà", "Đã hoàn tiền 100% theo yêu cầu của khách")

# task type -> (stage, step of that stage in DOMAIN.md, titles, outcomes when done)
TASKS = {
    "welcome": ("pre_sale", 5, ("Chào mừng khách hàng mới", "Gửi lời chào và giới thiệu cửa hàng"),
                ("Đã nhắn Zalo chào mừng, khách cảm ơn", "Đã gửi catalogue qua Zalo")),
    "thank_you": ("post_sale", 2, ("Gọi hỏi thăm sau mua hàng", "Nhắn cảm ơn khách đã mua hàng"),
                  ("Khách hài lòng, hẹn quay lại", "Không liên lạc được, đã nhắn Zalo",
                   "Khách cảm ơn, hỏi thêm mẫu mới")),
    "feedback_request": ("post_sale", 1, ("Xin đánh giá sau mua hàng",
                                          "Hỏi khách cảm nhận về sản phẩm"),
                         ("Khách chấm 5 sao", "Khách góp ý nên có thêm size",
                          "Khách chưa trả lời")),
    "birthday": ("post_sale", 2, ("Chúc mừng sinh nhật", "Gửi voucher sinh nhật"),
                 ("Đã gửi lời chúc và voucher 10%", "Đã gọi chúc mừng, khách rất vui")),
    "win_back": ("post_sale", 3, ("Liên hệ lại khách lâu chưa quay lại",
                                  "Gửi ưu đãi mời khách quay lại"),
                 ("Khách hẹn cuối tuần ghé", "Khách đã chuyển nhà, không tiện ghé",
                  "Đã gửi voucher 15%")),
    "loyalty_offer": ("post_sale", 3, ("Gửi ưu đãi khách hàng thân thiết",
                                       "Mời khách xem trước bộ sưu tập mới"),
                      ("Khách nhận voucher, hẹn ghé", "Khách đặt trước 2 mẫu")),
    "complaint_follow_up": ("post_sale", 4, ("Xử lý khiếu nại của khách",
                                             "Gọi xin lỗi và đề xuất cách khắc phục"), ()),
    "pre_sale_follow_up": ("pre_sale", 4, ("Tư vấn lại sản phẩm khách quan tâm",
                                           "Gửi báo giá và ảnh mẫu cho khách"),
                           ("Khách hẹn ghé xem trực tiếp", "Khách chưa có nhu cầu",
                            "Khách đặt mua qua Zalo")),
    "custom": ("pre_sale", 3, ("Báo khách hàng đặt trước đã về", "Nhắc khách lấy đồ sửa",
                               "Gửi catalogue mùa mới"),
               ("Khách đã lấy hàng", "Đã báo, khách hẹn mai ghé")),
}
CONSENT_CHANNELS = {"walk_in": "tại cửa hàng", "social": "Zalo", "website": "form trực tuyến",
                    "referral": "tại cửa hàng", None: "điện thoại"}
